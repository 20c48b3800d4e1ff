" Vim syntax file
" Language:  infrac (infrastructure files, *.infra)
" The words are those of the front end's tables (compiler/lang/resolve.c
" and units.c); tests/editors fails when the language knows a word this
" file does not.

if exists("b:current_syntax")
  finish
endif
let s:cpo_save = &cpo
set cpo&vim

syn iskeyword @,48-57,_,-
syn case match

" a name before `=`: an attribute this file does not know, an env key,
" a server in a scenario
syn match infracKey "^\s*\zs[A-Za-z_][A-Za-z0-9_-]*\ze\s*="
syn match infracAttr "^\s*\zs\%(arch\|backups\|budget\|command\|cpu\|cpu_overcommit\|cpus\|disk\|domain\|email\|growth\|headroom\|healthcheck\|horizon\|image\|ipv4\|location\|max_upload\|months\|moves_data\|needs\|network\|path\|port\|price\|prices\|provider\|public_key\|publish\|ram\|reserve\|restart\|size\|ssh_keys\|start\|storage\|title\|tls\|traffic\|type\|vcpu\)\ze\s*="
" the first word of a block's header
syn match infracBlock "^\s*\zs\%(project\|limits\|server_type\|ssh_key\|server\|service\|proxy\|phase\|scenario\|volume\|env\|run\)\>\ze[^=#]*{"
syn match infracKeyword "\%(^\s*run\s\+\)\@<=on\>"
syn keyword infracKeyword from
" `new NAME` in a scenario's run block: an instance of its own
syn match infracKeyword "^\s*\zsnew\ze\s\+[A-Za-z_]"

syn match infracValue "\<\%(hetzner\|letsencrypt\|none\|no\|always\|on_failure\|unless_stopped\|true\|false\|amd64\|arm64\|dedicated\|hetzner_volume\|server_disk\|shared\)\>"
syn match infracFunction "\<\%(secret\|env\|file\)\ze\s*("
syn match infracOperator "=\|\.\.\|:"

syn match infracNumber "\<\d\+\%(\.\d\+\)\?" nextgroup=infracUnit skipwhite
syn match infracUnit contained "\%(MB/month\|GB/month\|TB/month\|EUR/month\|MB\|GB\|TB\|EUR\|months\|month\)\>"
syn match infracUnit contained "%"
syn match infracDate "\<\d\{4}-\d\{2}\%(-\d\{2}\)\?\>"

syn region infracString start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ oneline contains=infracEscape,infracBadEscape
syn match infracEscape contained +\\[nt"\\]+
syn match infracBadEscape contained +\\[^nt"\\]+

syn keyword infracTodo contained TODO FIXME XXX NOTE
syn match infracComment "#.*$" contains=infracTodo,@Spell

hi def link infracKey Identifier
hi def link infracAttr Statement
hi def link infracBlock Structure
hi def link infracKeyword Keyword
hi def link infracValue Constant
hi def link infracFunction Function
hi def link infracOperator Operator
hi def link infracNumber Number
hi def link infracUnit Type
hi def link infracDate Constant
hi def link infracString String
hi def link infracEscape SpecialChar
hi def link infracBadEscape Error
hi def link infracTodo Todo
hi def link infracComment Comment

let b:current_syntax = "infrac"
let &cpo = s:cpo_save
unlet s:cpo_save
