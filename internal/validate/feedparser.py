# Parse feed files with Python's feedparser and print what it saw as JSON,
# one object per file, for internal/validate to compare.
import calendar
import json
import sys

import feedparser


def when(t):
    return calendar.timegm(t) if t else None


out = []
for path in sys.argv[1:]:
    d = feedparser.parse(path)
    out.append({
        "file": path,
        "bozo": bool(d.bozo),
        "bozo_exception": repr(d.get("bozo_exception")) if d.bozo else "",
        "version": d.get("version", ""),
        "title": d.feed.get("title", ""),
        "entries": [{
            "id": e.get("id", ""),
            "title": e.get("title", ""),
            "link": e.get("link", ""),
            "published": when(e.get("published_parsed")),
            "updated": when(e.get("updated_parsed")),
            "tags": [t.get("term") for t in e.get("tags", [])],
            "author": e.get("author", ""),
        } for e in d.entries],
    })
json.dump(out, sys.stdout)
