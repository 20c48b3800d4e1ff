" Loads the syntax and filetype files of grammar/editors/vim into a vim
" started with -u NONE, opens every file of probes.json, highlights each
" line, and writes to $OUT: "error FILE: MESSAGE" for any error, and
" "FILE LINE COL WANT GOT" where a probe's syntax group is not the one
" its class calls for; "done N" at the end (N probes looked at).
let s:groups = {'comment': 'infracComment', 'string': 'infracString',
      \ 'block': 'infracBlock', 'keyword': 'infracKeyword', 'attr': 'infracAttr',
      \ 'value': 'infracValue', 'function': 'infracFunction',
      \ 'number': 'infracNumber', 'unit': 'infracUnit', 'date': 'infracDate'}
let s:out = []
let s:n = 0
execute 'set rtp^=' . $EDITORS . '/vim'
filetype plugin on
syntax on
for s:f in json_decode(join(readfile($PROBES), "\n"))
  let v:errmsg = ''
  execute 'silent edit ' . fnameescape(s:f.file)
  syntax sync fromstart
  for s:l in range(1, line('$'))
    call synID(s:l, max([1, col([s:l, '$']) - 1]), 1)
  endfor
  if &filetype != 'infrac' || v:errmsg != ''
    call add(s:out, 'error ' . s:f.file . ': filetype ' . &filetype . ' ' . v:errmsg)
  endif
  for [s:line, s:col, s:u16, s:cls] in s:f.probes
    let s:got = synIDattr(synID(s:line, s:col, 1), 'name')
    let s:n += 1
    if s:got != s:groups[s:cls]
      call add(s:out, join([s:f.file, s:line, s:col, s:groups[s:cls], s:got ==# '' ? '-' : s:got]))
    endif
  endfor
  bwipeout!
endfor
call add(s:out, 'done ' . s:n)
call writefile(s:out, $OUT)
qa!
