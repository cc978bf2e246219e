# shellcheck shell=bash
# The fleet inventory ($PHF_RUN/inventory.json) and known_hosts: what tests read to reach
# the hosts. The format is a contract with the fleet tests (docs/fleet.md):
#   {"prefix","bridge","bridgeAddress","network","aptBaseUrl","sshUser","sshPrivateKey",
#    "knownHosts","hosts":[{"name","address","hostKey","netns","veth"}]}
# Both files are rewritten whole (temp file, rename) from the per-host records, so a reader
# never sees half a file; `fleet rekey` rewrites them with the host's new key.

phf_write_known_hosts() {
  local name tmp=$PHF_RUN/known_hosts.tmp
  : >"$tmp"
  for name in $(phf_hosts); do
    printf '%s,%s %s\n' "$name" "$(phf_host_addr "$(phf_host_index "$name")")" \
      "$(<"$(phf_host_dir "$name")/hostkey.pub")" >>"$tmp"
  done
  mv -f "$tmp" "$PHF_RUN/known_hosts"
}

phf_write_inventory() {
  local name sep="" tmp=$PHF_RUN/inventory.json.tmp
  phf_write_known_hosts
  {
    printf '{"prefix":%s,"bridge":%s,"bridgeAddress":%s,"network":%s,' \
      "$(phf_json_str "$PHF_PREFIX")" "$(phf_json_str "$PHF_BRIDGE")" \
      "$(phf_json_str "$PHF_BRIDGE_IP")" "$(phf_json_str "$PHF_NET.0/24")"
    printf '"aptBaseUrl":%s,"sshUser":"root","sshPrivateKey":%s,"knownHosts":%s,\n "hosts":[' \
      "$(phf_json_str "http://$PHF_BRIDGE_IP:$PHF_REPO_PORT")" \
      "$(phf_json_str "$PHF_RUN/id_ed25519")" "$(phf_json_str "$PHF_RUN/known_hosts")"
    for name in $(phf_hosts); do
      printf '%s\n  {"name":%s,"address":%s,"hostKey":%s,"netns":%s,"veth":%s}' "$sep" \
        "$(phf_json_str "$name")" "$(phf_json_str "$(phf_host_addr "$(phf_host_index "$name")")")" \
        "$(phf_json_str "$(<"$(phf_host_dir "$name")/hostkey.pub")")" \
        "$(phf_json_str "$name")" "$(phf_json_str "$(phf_host_veth "$name")")"
      sep=,
    done
    printf '\n]}\n'
  } >"$tmp"
  mv -f "$tmp" "$PHF_RUN/inventory.json"
}
