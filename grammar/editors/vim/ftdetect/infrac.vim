" *.infra files are infrac's language
autocmd BufNewFile,BufRead *.infra setfiletype infrac
