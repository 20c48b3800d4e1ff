" infrac files: # comments, and gq formats through `infrac fmt`
if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1
setlocal commentstring=#\ %s comments=:# formatprg=infrac\ fmt
let b:undo_ftplugin = "setlocal commentstring< comments< formatprg<"
