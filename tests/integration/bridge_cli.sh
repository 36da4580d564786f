# `tapwire bridge`: every bridge and port option round-trips (compared with
# iproute2's `ip -d -j link` and `bridge -d -j link`), ports come and go,
# the forwarding database matches `bridge fdb`, and bad input changes nothing.
TW_TEST_TIMEOUT=60
. "$TW_TESTS/lib.sh"
needs jq bridge

ns_new NS
ns_new PEER
nsx "$NS" ip link add vA type veth peer name vB
nsx "$NS" ip link add vC type veth peer name vD
nsx "$NS" ip link set vD netns "$PEER"
nsx "$NS" ip link set vA address 02:00:00:00:0a:01
nsx "$PEER" ip link set vD address 02:00:00:00:0d:01

T() { tw -n "$NS" "$@"; }
# brinfo BR: the kernel's bridge options as iproute2 reports them
brinfo() { nsx "$NS" ip -d -j link show "$1" | jq -c '.[0].linkinfo.info_data'; }
portinfo() { nsx "$NS" bridge -d -j link show dev "$1" | jq -c '.[0]'; }
# ip prints ids as "8000.2:0:0:0:a:1"; make them "8000.02000000000a01"
ip_id() {
	local id prio b out
	read -r id
	prio=${id%%.*}
	out=$prio.
	IFS=: read -ra b <<<"${id#*.}"
	for x in "${b[@]}"; do out+=$(printf %02x "0x$x"); done
	echo "$out"
}

check "bridge add" T bridge add br0
check_eq "kind is bridge" "$(nsx "$NS" ip -d -j link show br0 | jq -r '.[0].linkinfo.info_kind')" bridge
check "bridge set all options" T bridge set br0 stp on forward_delay 4 hello_time 1.5 max_age 12 \
	ageing_time 45.2 priority 4096
bi=$(brinfo br0)
check_eq "forward_delay 4 s" "$(jq .forward_delay <<<"$bi")" 400
check_eq "hello_time 1.5 s" "$(jq .hello_time <<<"$bi")" 150
check_eq "max_age 12 s" "$(jq .max_age <<<"$bi")" 1200
check_eq "ageing_time 45.2 s" "$(jq .ageing_time <<<"$bi")" 4520
check_eq "stp_state on" "$(jq .stp_state <<<"$bi")" 1
check_eq "priority" "$(jq .priority <<<"$bi")" 4096
check "stp off again" T bridge set br0 stp off
check_eq "stp_state off" "$(brinfo br0 | jq .stp_state)" 0
check "bridge add with options" T bridge add br1 forward_delay 2.5 priority 100
check_eq "add-time options applied" "$(brinfo br1 | jq -c '[.forward_delay, .priority]')" "[250,100]"

# what tapwire reads equals what iproute2 reads, key by key
tj=$(T -j bridge showstp br0 | jq -c .)
bi=$(brinfo br0)
for k in forward_delay hello_time max_age ageing_time stp_state priority root_port root_path_cost; do
	check_eq "showstp $k = ip -d -j" "$(jq ".$k" <<<"$tj")" "$(jq ".$k" <<<"$bi")"
done
check_eq "bridge_id = ip -d -j" "$(jq -r .bridge_id <<<"$tj")" "$(jq -r .bridge_id <<<"$bi" | ip_id)"
check_eq "root_id = ip -d -j" "$(jq -r .root_id <<<"$tj")" "$(jq -r .root_id <<<"$bi" | ip_id)"
check_eq "showstp JSON keys" "$(jq -c 'keys_unsorted' <<<"$tj")" \
	'["ifname","ifindex","up","bridge_id","stp","stp_state","priority","forward_delay","hello_time","max_age","ageing_time","vlan_filtering","root_id","root_port","root_path_cost","topology_change","topology_change_detected","hello_timer","tcn_timer","topology_change_timer","gc_timer","ports"]'

# ports
check "addif" T bridge addif br0 vA
check "addif a second port" T bridge addif br0 vC
check_eq "vA's master" "$(portinfo vA | jq -r .master)" br0
check_eq "show lists the ports" "$(T -j bridge show br0 | jq -c '.[0].ports')" '["vA","vC"]'
check_eq "show JSON keys" "$(T -j bridge show br0 | jq -c '.[0] | keys_unsorted')" \
	'["ifname","ifindex","up","bridge_id","stp","stp_state","priority","forward_delay","hello_time","max_age","ageing_time","vlan_filtering","ports"]'
check_eq "show text" "$(T bridge show br0 | sed 's/id [0-9a-f.]*/id X/')" \
	"br0: id X stp off priority 4096 forward_delay 4.00 hello_time 1.50 max_age 12.00 ageing_time 45.20
    ports: vA vC"
check "port set cost priority hairpin" T bridge port set vA cost 77 priority 12 hairpin on
pi=$(portinfo vA)
check_eq "cost 77" "$(jq .cost <<<"$pi")" 77
check_eq "priority 12" "$(jq .priority <<<"$pi")" 12
check_eq "hairpin on" "$(jq .hairpin <<<"$pi")" true
tp=$(T -j bridge showstp br0 | jq -c '.ports[] | select(.ifname == "vA")')
for k in cost priority hairpin state; do
	check_eq "port $k = bridge -d -j" "$(jq ".$k" <<<"$tp")" "$(jq ".$k" <<<"$pi")"
done
check_eq "port JSON keys" "$(jq -c 'keys_unsorted' <<<"$tp")" \
	'["ifname","ifindex","port_no","state","priority","cost","hairpin","port_id","designated_root","designated_bridge","designated_port","designated_cost","topology_change_ack","config_pending","message_age_timer","forward_delay_timer","hold_timer"]'
check "hairpin off" T bridge port set vA hairpin off
check_eq "hairpin off read back" "$(portinfo vA | jq .hairpin)" false
check_fails "addif twice" 1 T bridge addif br0 vA
check_fails "addif to a second bridge" 1 T bridge addif br1 vA

# forwarding database: learned from the peer's traffic, plus a static entry
nsx "$NS" ip link set vA up
nsx "$NS" ip link set vC up
nsx "$NS" ip link set br0 up
nsx "$NS" ip addr add 198.51.100.1/24 dev br0
nsx "$PEER" ip link set vD up
nsx "$PEER" ip addr add 198.51.100.2/24 dev vD
nsx "$NS" bridge fdb add 02:00:00:00:0e:01 dev vA master static
wait_for 10 nsx "$PEER" ping -c1 -W1 198.51.100.1
fdb_ip=$(nsx "$NS" bridge -j fdb show br br0 | jq -c '[.[] | select((.flags | index("self")) | not) | [.mac, .ifname]] | sort')
fdb_tw=$(T -j bridge showmacs br0 | jq -c '[.[] | [.mac, .ifname]] | sort')
check_eq "showmacs = bridge fdb" "$fdb_tw" "$fdb_ip"
check "peer's MAC learned" grep -q 02:00:00:00:0d:01 <<<"$fdb_tw"
check_eq "static entry" "$(T -j bridge showmacs br0 | jq -c '.[] | select(.mac == "02:00:00:00:0e:01") | [.is_static, .is_local]')" "[true,false]"
check_eq "fdb JSON keys" "$(T -j bridge showmacs br0 | jq -c '.[0] | keys_unsorted')" \
	'["mac","ifname","port_no","vlan","is_local","is_static","ageing_timer"]'

# batch mode runs bridge commands like the command line
printf 'bridge add brb stp on\nbridge set brb priority 7\nbridge del brb\nbridge add brb\n' >"$TW_TMP/batch"
check "batch of bridge commands" T -b "$TW_TMP/batch"
check_eq "batch result" "$(brinfo brb | jq -c '[.stp_state, .priority]')" "[0,32768]"
check "batch cleanup" T bridge del brb

# hostile input: usage errors (2) and refusals (1) leave everything as it was
state() { snapshot "$NS"; brinfo br0 | jq -c 'with_entries(select(.key | test("timer|topology") | not))'; portinfo vA | jq -c 'del(.state)'; }
before=$(state)
long=1234567890123456
for args in "add ''" "add $long" "add a/b" "add br9 stp maybe" "add br9 forward_delay 1.555" \
	"add br9 hello_time -1" "add br9 priority 65536" "add br9 bogus 1" "set br0 forward_delay" \
	"set br0 max_age 1e3" "set br0 stp on hello_time 0.5" "set br0 max_age 41" "port set vA cost 0" "port set vA cost 65536" "port set vA priority 64" \
	"port set vA hairpin maybe" "port set $long cost 1" "addif br0" "addif br0 vA extra" \
	"show a/b" "showstp" "showmacs br0 extra" "del" "nosuch" "port nosuch"; do
	eval "check_fails \"usage error: bridge $args\" 2 T bridge $args"
done
for args in "set nope stp on" "set vA stp on" "del vA" "del nope" "addif nope vA" "addif br0 nope" \
	"addif br0 br0" "delif br1 vA" "port set vB cost 5" \
	"showstp vA" "showmacs nope"; do
	eval "check_fails \"refused: bridge $args\" 1 T bridge $args"
done
check_eq "rejected commands changed nothing" "$(state)" "$before"
T bridge set vA stp on 2>"$TW_TMP/err"
check_eq "message names the non-bridge" "$(cat "$TW_TMP/err")" 'Error: cannot set options of bridge "vA": not a bridge'

# delif and del release ports without deleting them
check "delif" T bridge delif br0 vC
check_eq "vC has no master" "$(nsx "$NS" ip -j link show vC | jq -r '.[0].master // "none"')" none
check "link set master enslaves too" T link set vC master br0
check_eq "show lists it" "$(T -j bridge show br0 | jq -c '.[0].ports')" '["vA","vC"]'
check "link set nomaster releases" T link set vC nomaster
check_eq "show no longer lists it" "$(T -j bridge show br0 | jq -c '.[0].ports')" '["vA"]'
nsx "$NS" ip link set br0 down
check "del" T bridge del br0
check_fails "br0 gone" 1 nsx "$NS" ip link show br0
check_eq "vA survives without master" "$(nsx "$NS" ip -j link show vA | jq -r '.[0].master // "none"')" none
finish
