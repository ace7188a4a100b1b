"""shmfuzz list: the fuzz targets and the bug catalogue."""

from . import status, targets
from .cli import Opt, command


@command("list", "the fuzz targets and the bug catalogue (class, finding, how it is found)",
         opts=[Opt("--targets", help="only the targets"),
               Opt("--bugs", help="only the catalogue"),
               Opt("--names", help="bare target names, one a line (for scripts)")],
         about="Shows the fuzz targets (name and summary) and the bug catalogue (id, class, finding\n"
               "kind, which tool finds it). Targets come from the build's shmfuzz-targets.tsv\n"
               "(--build-dir's, else build/dev's), else from the source tree.")
def list_(a):
    what = "bugs" if a.bugs and not a.targets else "targets" if a.targets and not a.bugs else "all"
    rows = targets.listing()
    # A build of one's own (find_package(shmfuzz)) has its targets and no catalogue.
    bugs = targets.catalogue() if any(n.startswith("bug-") for n, _ in rows) else []
    if a.names:
        for name, _ in rows:
            if what != "bugs" or name.startswith("bug-"):
                status.out(name)
        return status.OK
    if what != "bugs":
        status.out("Fuzz targets (shmfuzz fuzz NAME):")
        for name, summary in rows:
            if not name.startswith("bug-"):
                status.out(f"  {name:<16} {summary}")
        if bugs:
            status.out(f"  {'bug-<id>':<16} one per catalogue entry below (must be found)")
    if what == "all" and bugs:
        status.out()
    if what == "bugs" and not bugs:
        status.out("No bug catalogue in this build (only the shmfuzz tree's builds have one).")
    if what != "targets" and bugs:
        status.out("Bug catalogue (targets/bugs/catalogue.tsv, docs/bugs.md): fuzz target bug-<id>")
        status.out(f"  {'id':<20} {'class':<12} {'finding':<10} {'found_by':<9} hardened twin")
        for row in bugs:
            status.out(f"  {row[0]:<20} {row[1]:<12} {row[2]:<10} {row[4]:<9} shmipc-{row[5]}")
    return status.OK
