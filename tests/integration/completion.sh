#!/usr/bin/env bash
# The bash completions (completions/) driven as bash drives them: with
# bash-completion loaded, COMP_WORDS/COMP_CWORD set for a partly typed line,
# the completion function called, COMPREPLY read. Objects and commands come
# from tapwire's help, device names from the namespace the line names (-n)
# or runs in, users from the system, files from the directory.
. "$TW_TESTS/lib.sh"
needs ip
BC=/usr/share/bash-completion/bash_completion
[ -r "$BC" ] || die "bash-completion is not installed ($BC)"

ns_new NS
ip -n "$NS" link add cv0 type veth peer name cv1
ip -n "$NS" link add cbr0 type bridge
"$TAPWIRE" -n "$NS" tuntap add ctap0 mode tap >/dev/null
mkdir -p "$TW_TMP/files/sub"
touch "$TW_TMP/files/lab.conf" "$TW_TMP/files/other.txt"

# comp PROGRAM LINE: the completions bash offers for LINE (its last word
# is completed; a trailing space starts a new word), sorted, one a line.
comp() {
	local prog=$1 line=$2
	PATH="$TW_BUILD/cli:$TW_BUILD/wg:$TW_BUILD/host:$TW_BUILD/vxlan:$PATH" bash -c '
		. "$1" && . "$2"
		line=$3
		read -ra COMP_WORDS <<<"$line"
		[ "${line: -1}" = " " ] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$line COMP_POINT=${#line}
		fn=$(complete -p "$4" | awk "{ print \$3 }")
		"$fn" "$4" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$BC" "$TW_SRC/completions/$prog" "$line" "$prog"
}
# has PROGRAM LINE WORD...: every WORD is offered
has() {
	local prog=$1 line=$2 got w; shift 2
	got=$(cd "$TW_TMP/files" && comp "$prog" "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$got" || { fail "\"$line\" offers \"$w\" (offered: $(tr '\n' ' ' <<<"$got"))"; return; }
	done
	ok "\"$line\" offers $*"
}
# hasnt PROGRAM LINE WORD...: no WORD is offered
hasnt() {
	local prog=$1 line=$2 got w; shift 2
	got=$(cd "$TW_TMP/files" && comp "$prog" "$line")
	for w in "$@"; do
		grep -qxF -- "$w" <<<"$got" && { fail "\"$line\" offers \"$w\""; return; }
	done
	ok "\"$line\" does not offer $*"
}

has tapwire "tapwire " tuntap link addr route bridge vxlan apply down help
has tapwire "tapwire li" link
hasnt tapwire "tapwire li" tuntap addr
has tapwire "tapwire -" -j --json -n -b -force --help
has tapwire "tapwire tuntap " add del show help
has tapwire "tapwire vxlan " show help
has tapwire "tapwire bridge " add del addif delif set port show showstp showmacs
has tapwire "tapwire bridge port " set
has tapwire "tapwire -n $NS link set " cv0 cv1 cbr0 ctap0 dev
has tapwire "tapwire -n $NS link set cv0 " up down mtu master nomaster name
has tapwire "tapwire -n $NS link set cv0 master " cbr0
hasnt tapwire "tapwire -n $NS link set cv0 master " cv1
has tapwire "tapwire -n $NS tuntap del " ctap0
hasnt tapwire "tapwire -n $NS tuntap del " cv0 cbr0
has tapwire "tapwire tuntap add t0 " mode user group multi_queue vnet_hdr
has tapwire "tapwire tuntap add t0 mode " tun tap
has tapwire "tapwire tuntap add t0 mode tap user " root nobody
has tapwire "tapwire tuntap add t0 mode tap group " root
has tapwire "tapwire -n $NS addr add 198.51.100.1/24 dev " cv0 cbr0
has tapwire "tapwire addr add 198.51.100.1/24 " dev brd nodad
has tapwire "tapwire route add 203.0.113.0/24 " dev via metric
has tapwire "tapwire -n $NS bridge addif " cbr0
has tapwire "tapwire -n $NS bridge addif cbr0 " cv0
has tapwire "tapwire bridge set br0 " stp forward_delay hello_time
has tapwire "tapwire bridge set br0 stp " on off
has tapwire "tapwire -n $NS bridge port set cv0 " cost priority hairpin
has tapwire "tapwire apply " lab.conf sub
hasnt tapwire "tapwire apply " other.txt
has tapwire "tapwire -n " "$NS"
has tapwire "tapwire -b " lab.conf other.txt
# in the namespace the line runs in, without -n
got=$(cd "$TW_TMP/files" && nsx "$NS" bash -c "$(declare -f comp); TW_BUILD='$TW_BUILD' TW_SRC='$TW_SRC' BC='$BC' comp tapwire 'tapwire link show '")
check "without -n, the names of the namespace it runs in: $(tr '\n' ' ' <<<"$got")" grep -qx cv1 <<<"$got"

has tapwire-wg "tapwire-wg -" -f --foreground --version --help
has tapwire-host "tapwire-host --" --dev --fd --tun --dhcp --addr --http --forward --reverse --max-conns --user --help
has tapwire-host "tapwire-host --user " root nobody
has tapwire-vxlan "tapwire-vxlan --" --dev --fd --vni --remote --group --group-dev --fdb --raw --remote-port --control --help
has tapwire-vxlan "tapwire-vxlan --control " lab.conf sub
has tapwire-host "tapwire-host --http " sub
hasnt tapwire-host "tapwire-host --http " lab.conf
finish
