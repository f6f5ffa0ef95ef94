"""A small picture of an entity's neighbourhood, drawn on the server as SVG.

The entity sits in the middle; the entities it points at (and those pointing at it) sit around it
on an ellipse, joined by a line labelled with the property. Nodes are links to their own pages and
are coloured by class through the stylesheet (no inline style, no script: CSP-safe, and the page
needs no JavaScript graph library). At most ``MOST`` neighbours are drawn, the rest are counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 720, 420
MOST = 14


@dataclass(frozen=True)
class Neighbour:
    iri: str
    href: str
    label: str
    kind: str  # class local name, for the colour
    relation: str  # property label, as read from the centre (``holds``, ``← succeeds``)


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def svg(label: str, kind: str, neighbours: list[Neighbour]) -> str:
    """The picture as an inline ``<svg>`` element (already escaped)."""
    shown = neighbours[:MOST]
    cx, cy = WIDTH / 2, HEIGHT / 2
    rx, ry = WIDTH / 2 - 175, HEIGHT / 2 - 50
    parts = [
        f'<svg class="neighbourhood" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)} and {len(neighbours)} neighbours" xmlns="http://www.w3.org/2000/svg">'
    ]
    nodes = []
    for i, n in enumerate(shown):
        angle = -math.pi / 2 + 2 * math.pi * i / max(len(shown), 1)
        x, y = cx + rx * math.cos(angle), cy + ry * math.sin(angle)
        mx, my = (cx + x) / 2, (cy + y) / 2
        parts.append(f'<line class="edge" x1="{cx:.0f}" y1="{cy:.0f}" x2="{x:.0f}" y2="{y:.0f}"/>')
        parts.append(
            f'<text class="edge-label" x="{mx:.0f}" y="{my - 4:.0f}">{escape(_cut(n.relation, 22))}</text>'
        )
        anchor = "middle" if abs(x - cx) < 40 else ("start" if x > cx else "end")
        dx = 0 if anchor == "middle" else (10 if anchor == "start" else -10)
        dy = 4 if anchor != "middle" else (-12 if y < cy else 20)
        link = f'<a href="{escape(n.href)}">' if n.href else "<g>"
        nodes.append(
            f"{link}<title>{escape(n.label)} ({escape(n.kind)})</title>"
            f'<circle class="node k-{escape(n.kind)}" cx="{x:.0f}" cy="{y:.0f}" r="7"/>'
            f'<text class="node-label" text-anchor="{anchor}" x="{x + dx:.0f}" y="{y + dy:.0f}">'
            f"{escape(_cut(n.label, 26))}</text>{'</a>' if n.href else '</g>'}"
        )
    parts += nodes
    parts.append(
        f'<circle class="node centre k-{escape(kind)}" cx="{cx:.0f}" cy="{cy:.0f}" r="11"/>'
        f'<text class="centre-label" text-anchor="middle" x="{cx:.0f}" y="{cy + 28:.0f}">'
        f"{escape(_cut(label, 40))}</text>"
    )
    if len(neighbours) > MOST:
        parts.append(f'<text class="more" x="10" y="{HEIGHT - 10}">and {len(neighbours) - MOST} more</text>')
    parts.append("</svg>")
    return "".join(parts)
