"""The lab's HTML report: one self-contained page (``report.html``) for all experiments.

Each experiment gets its title, the sentence on what it shows, its figures (PNG files next to
the page, linked by relative paths, so the folder can be moved or zipped and opened offline),
a table of the guides' claims with the check made and whether it held, and its numbers. No
external resources (no CDN, fonts or scripts from the web).

A small script marks the page once it has loaded: ``<body data-images-total="N"
data-images-loaded="K" data-images-broken="B">`` (what the tests read in headless Chromium).
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .experiment import GUIDES

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
       color: #1d2330; background: #f6f7f9; line-height: 1.45; }
header { background: #24324a; color: white; padding: 1.6em 2em 1.2em; }
header h1 { margin: 0 0 .3em; font-size: 1.7em; }
header p { margin: .2em 0; opacity: .9; }
main { max-width: 1150px; margin: 0 auto; padding: 1em 2em 3em; }
nav ol { columns: 2; padding-left: 1.4em; }
section { background: white; border-radius: 8px; padding: 1.2em 1.6em; margin: 1.4em 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
section h2 { margin-top: 0; }
.summary { font-size: 1.08em; border-left: 4px solid #3b6fd1; padding-left: .8em; }
figure { margin: 1em 0; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid #dde; border-radius: 4px; }
figcaption { font-size: .85em; color: #556; }
table { border-collapse: collapse; width: 100%; font-size: .92em; margin: .6em 0; }
th, td { border: 1px solid #d8dce3; padding: .35em .55em; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
.holds { color: #17663a; font-weight: bold; white-space: nowrap; }
.fails { color: #a3201b; font-weight: bold; white-space: nowrap; }
.meta { color: #667; font-size: .85em; }
details pre { background: #f3f4f7; padding: .8em; overflow-x: auto; font-size: .8em;
              max-height: 28em; }
code { background: #eef1f6; padding: 0 .25em; border-radius: 3px; }
"""

_SCRIPT = """
window.addEventListener('load', function () {
  var imgs = document.images, ok = 0, bad = 0;
  for (var i = 0; i < imgs.length; i++) {
    if (imgs[i].complete && imgs[i].naturalWidth > 0) { ok++; } else { bad++; }
  }
  document.body.setAttribute('data-images-total', String(imgs.length));
  document.body.setAttribute('data-images-loaded', String(ok));
  document.body.setAttribute('data-images-broken', String(bad));
  var s = document.getElementById('image-status');
  if (s) { s.textContent = ok + ' of ' + imgs.length + ' figures loaded'; }
});
"""

# keys whose values are long series: shown only in the JSON block, not in the numbers table
_MAX_INLINE = 120


def _scalar_rows(numbers: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Short ``(key, value)`` rows for the numbers table (scalars and short flat lists)."""
    rows: list[tuple[str, str]] = []
    for k, v in numbers.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            if len(json.dumps(v)) <= _MAX_INLINE and all(
                not isinstance(x, (dict, list)) for x in v.values()
            ):
                rows.append((key, ", ".join(f"{a}: {_fmt(b)}" for a, b in v.items())))
            elif len(v) <= 12:
                rows.extend(_scalar_rows(v, key + " / "))
        elif isinstance(v, list):
            if (
                v
                and all(isinstance(x, (int, float, str, bool)) or x is None for x in v)
                and len(v) <= 12
            ):
                rows.append((key, ", ".join(_fmt(x) for x in v)))
        else:
            rows.append((key, _fmt(v)))
    return rows


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.3e}"
        return f"{v:.4g}"
    return str(v)


def _section(res: dict[str, Any], out_dir: Path) -> str:
    e = html.escape
    name = res["name"]
    parts = [f'<section id="{e(name)}">', f"<h2>{e(res['title'])}</h2>"]
    meta = f"<code>deepgrad lab {e(name)}{' --quick' if res.get('quick') else ''}"
    if res.get("dataset"):
        meta += f" --dataset {e(res['dataset'])}"
    meta += f" --seed {res.get('seed', 0)}</code> · {res.get('seconds', 0):.1f} s"
    parts.append(f'<p class="meta">{meta}</p>')
    parts.append(f'<p class="summary">{e(res["summary"])}</p>')
    for fig in res.get("figures", []):
        src = os.path.relpath(out_dir / fig, out_dir).replace(os.sep, "/")
        parts.append(
            f'<figure><img src="{e(src)}" alt="{e(res["title"])}: {e(fig)}" loading="eager">'
            f"<figcaption>{e(fig)}</figcaption></figure>"
        )
    claims = res.get("claims", [])
    if claims:
        parts.append(
            "<table><tr><th>What a guide says</th><th>Source</th><th>How it is checked</th>"
            "<th>Verdict</th><th>Measured</th></tr>"
        )
        for c in claims:
            verdict = (
                '<span class="holds">✔ holds</span>'
                if c["holds"]
                else '<span class="fails">✘ does not hold</span>'
            )
            parts.append(
                f"<tr><td>{e(c['claim'])}</td><td>{e(c['source'])}</td><td>{e(c['check'])}</td>"
                f"<td>{verdict}</td><td>{e(c.get('detail', ''))}</td></tr>"
            )
        parts.append("</table>")
    rows = _scalar_rows(res.get("numbers", {}))
    if rows:
        parts.append("<details><summary>Key numbers</summary><table>")
        parts.extend(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows)
        parts.append("</table></details>")
    parts.append(
        f'<details><summary>All numbers (<a href="{e(name)}.json">{e(name)}.json</a>)</summary>'
        f"<pre>{e(json.dumps(res.get('numbers', {}), indent=1)[:60000])}</pre></details>"
    )
    parts.append("</section>")
    return "\n".join(parts)


def render_report(results: Sequence[dict[str, Any]], out_dir: str | os.PathLike[str]) -> str:
    """The report's HTML text for ``results`` whose figures lie in ``out_dir``."""
    e = html.escape
    out = Path(out_dir)
    n_claims = sum(len(r.get("claims", [])) for r in results)
    n_hold = sum(bool(c["holds"]) for r in results for c in r.get("claims", []))
    quick = any(r.get("quick") for r in results)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    toc = []
    for r in results:
        marks = "".join("✔" if c["holds"] else "✘" for c in r.get("claims", []))
        toc.append(f'<li><a href="#{e(r["name"])}">{e(r["title"])}</a> {marks}</li>')
    guides = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>" for k, v in GUIDES.items())
    body = "\n".join(_section(r, out) for r in results)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>deepgrad lab report</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>deepgrad lab: the guides' claims, measured</h1>
<p>{len(results)} experiments · {n_hold} of {n_claims} claims held as stated
{"· quick sizes (for tests; run without --quick for the full experiments)" if quick else ""}</p>
<p class="meta" style="color:#ccd">Generated {e(stamp)} · <span id="image-status">figures loading…</span></p>
</header>
<main>
<p>Each experiment runs with one command (<code>deepgrad lab NAME</code>), is seeded, and writes
a figure and a JSON file of its numbers next to this page. A claim marked ✘ did not hold as the
guide states it; the "Measured" column says what is true instead.</p>
<nav><ol>{"".join(toc)}</ol></nav>
{body}
<section><h2>Sources</h2><ul>{guides}</ul></section>
</main>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def write_report(
    out_dir: str | os.PathLike[str], results: Sequence[dict[str, Any]] | None = None
) -> Path:
    """Write ``out_dir/report.html`` for ``results`` (default: every ``<name>.json`` found in
    ``out_dir``); returns its path."""
    from ..data.atomic import atomic_write_text
    from .experiment import load_results

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if results is None:
        results = load_results(out)
    path = out / "report.html"
    atomic_write_text(path, render_report(results, out))  # a failure leaves the old report
    return path
