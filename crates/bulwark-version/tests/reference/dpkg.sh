#!/bin/sh
# Reference driver for the dpkg scheme: reads "A<TAB>B<TAB>CLAIM" lines, where CLAIM is the
# Rust side's answer (lt, eq, gt or err), and prints dpkg's own answer (-1, 0, 1 or err).
# One `dpkg --compare-versions A CLAIM B` call confirms a claim (the relations are exclusive);
# only when dpkg disagrees are more calls made to find its answer. `--` keeps a version that
# starts with '-' from being read as an option.
answer() {
    dpkg --compare-versions -- "$1" lt "$2" 2>/dev/null
    case $? in
        0) echo -1 ;;
        1) if dpkg --compare-versions -- "$1" eq "$2" 2>/dev/null; then echo 0; else echo 1; fi ;;
        *) echo err ;;
    esac
}
tab=$(printf '\t')
while IFS="$tab" read -r a b claim; do
    op=$claim
    [ "$claim" = err ] && op=lt
    dpkg --compare-versions -- "$a" "$op" "$b" 2>/dev/null
    rc=$?
    if [ $rc -eq 0 ] && [ "$claim" != err ]; then
        case $claim in lt) echo -1 ;; eq) echo 0 ;; gt) echo 1 ;; esac
    elif [ $rc -ge 2 ] && [ "$claim" = err ]; then
        echo err
    else
        answer "$a" "$b"
    fi
done
