# suppress.awk - drops the objects a suppressions file names (SHMFAULT_SUPPRESSIONS format,
# docs/faults.md "Suppressions") from a listing of what is left in a namespace, one object a
# line: "sysv-shm key=0x... ...", "sysv-sem key=0x... ...", "/dev/shm/NAME" (a POSIX named
# semaphore is /dev/shm/sem.NAME). Usage: awk -v supp=FILE -f suppress.awk. The library's
# ledger and shmfault-enum apply the same file to their own listings.

# "0x1f" or "31" -> 31 (POSIX awk has no strtonum)
function num(s,    i, v, c) {
  s = tolower(s)
  if (substr(s, 1, 2) != "0x") return s + 0
  v = 0
  for (i = 3; i <= length(s); i++) {
    c = index("0123456789abcdef", substr(s, i, 1))
    if (c == 0) break
    v = v * 16 + c - 1
  }
  return v
}
# an fnmatch(3) glob of '*', '?' and plain characters as an anchored regular expression
function glob(g,    i, c, r) {
  r = "^"
  for (i = 1; i <= length(g); i++) {
    c = substr(g, i, 1)
    if (c == "*") r = r ".*"
    else if (c == "?") r = r "."
    else if (index("\\^$.[]|()+{}/", c)) r = r "\\" c
    else r = r c
  }
  return r "$"
}
BEGIN {
  n = 0
  while (supp != "" && (getline line < supp) > 0) {
    sub(/#.*/, "", line)
    if (split(line, f, " ") < 2) continue
    kind[++n] = f[1]
    value[n] = f[2]
    sub(/^(key|name)=\/?/, "", value[n])
  }
}
{
  what = $1; key = ""; name = ""
  if (what == "sysv-shm" || what == "sysv-sem") { key = $2; sub(/^key=/, "", key) }
  else if (substr($0, 1, 9) == "/dev/shm/") {
    name = substr($0, 10); what = "posix-shm"
    if (substr(name, 1, 4) == "sem.") { what = "posix-sem"; name = substr(name, 5) }
  }
  for (i = 1; i <= n; i++) {
    if (kind[i] != what) continue
    if (key != "" && num(key) == num(value[i])) { suppressed++; next }
    if (name != "" && name ~ glob(value[i])) { suppressed++; next }
  }
  print
}
END { if (suppressed) printf "suppressed %d\n", suppressed }
