# bash completion for infrac: commands, options, phase, server and service
# names from the file on the command line, *.infra files.  The words come from
# infrac itself (`infrac __complete ...`), so they follow the binary.

# The words of the command line before the cursor that are neither the
# command, an option nor the value of one, one a line: FILE first, then
# what follows it (logs SERVICE..., exec SERVICE, ssh and releases SERVER).
_infrac_words()
{
    local i skip=
    for ((i = 2; i < COMP_CWORD; i++)); do
        if [[ -n $skip ]]; then
            skip=
            continue
        fi
        case ${COMP_WORDS[i]} in
            --) break ;;
            -o | --phase | --at | --svg | --out | --parallelism | --since | --tail | --server | --prices) skip=1 ;;
            -*) ;;
            *) printf '%s\n' "${COMP_WORDS[i]/#\~/$HOME}" ;;
        esac
    done
}

_infrac()
{
    local prog=$1 cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local IFS=$'\n'
    COMPREPLY=()
    if ((COMP_CWORD == 1)); then
        COMPREPLY=($(compgen -W "$("$prog" __complete commands 2>/dev/null)"$'\n'--help$'\n'--version -- "$cur"))
        return
    fi
    local cmd=${COMP_WORDS[1]} file words
    # help COMMAND
    if [[ $cmd == help ]]; then
        ((COMP_CWORD == 2)) &&
            COMPREPLY=($(compgen -W "$("$prog" __complete commands 2>/dev/null)" -- "$cur"))
        return
    fi
    words=($(_infrac_words))
    file=${words[0]}
    case $prev in
        --phase)
            COMPREPLY=($(compgen -W "$("$prog" __complete phases "$file" 2>/dev/null)" -- "$cur"))
            return
            ;;
        -o)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "$cur"))
            return
            ;;
        --svg | --out)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return
            ;;
        --prices)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -W $'api\nbuiltin' -- "$cur") $(compgen -f -X '!*.json' -- "$cur"))
            return
            ;;
        --server)
            COMPREPLY=($(compgen -W "$("$prog" __complete servers "$file" 2>/dev/null)" -- "$cur"))
            return
            ;;
        --at | --parallelism | --since | --tail)
            return
            ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("$prog" __complete options "$cmd" 2>/dev/null)" -- "$cur"))
        return
    fi
    # apply --redeploy SERVICE...: the services of the file
    if [[ $cmd == apply && -n $file && $'\n'"${COMP_WORDS[*]:2:COMP_CWORD-2}"$'\n' == *$'\n'--redeploy$'\n'* ]]; then
        COMPREPLY=($(compgen -W "$("$prog" __complete services "$file" 2>/dev/null)" -- "$cur"))
        return
    fi
    # after FILE: logs SERVICE..., exec SERVICE, ssh and releases SERVER
    local n=${#words[@]} what=
    case $cmd in
        logs) ((n >= 1)) && what=services ;;
        exec) ((n == 1)) && what=services ;;
        ssh | releases) ((n == 1)) && what=servers ;;
    esac
    if [[ -n $what ]]; then
        COMPREPLY=($(compgen -W "$("$prog" __complete $what "$file" 2>/dev/null)" -- "$cur"))
        return
    fi
    ((n == 0)) || [[ $cmd == fmt ]] || return
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -X '!*.infra' -- "$cur") $(compgen -d -- "$cur"))
}

complete -F _infrac infrac
