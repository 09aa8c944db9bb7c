"""A Step Functions state machine (ASL) drawn as SVG, with the path an execution took.

Layered top to bottom like the Step Functions console: states are ranked by their longest path from
`StartAt` (loops are drawn as back edges on the right), a transition that skips ranks bends through
placeholders so that it never crosses a state, and states of a rank are ordered to keep transitions
short (barycenter sweeps). Each state is a `<g data-state="...">` whose classes say what the
execution did there: `visited`, `current`, `failed`, `errored` (a task error the machine caught or retried).
"""

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

NODE_WIDTH = 200
NODE_HEIGHT = 42
RANK_GAP = 30
COLUMN_GAP = 36
DUMMY_WIDTH = 16
MARGIN = 24
LOOP_GAP = 26


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass
class Visit:
    """What the execution did in one state: when it entered it (in order), for how long, how it ended."""

    order: list[int] = field(default_factory=list)
    milliseconds: float = 0.0
    current: bool = False
    failed: bool = False
    errored: bool = False


def _rule(rule: Mapping[str, Any]) -> str:
    """A Choice rule in a few words (`done = false`, `status = in_progress`)."""
    variable = str(rule.get("Variable", "")).removeprefix("$.")
    for key, value in rule.items():
        if key in ("Variable", "Next"):
            continue
        operator = "=" if key.endswith("Equals") else key
        shown = str(value).lower() if isinstance(value, bool) else value
        return f"{variable} {operator} {shown}"
    return "rule"


def edges_of(definition: Mapping[str, Any]) -> list[Edge]:
    edges: list[Edge] = []
    for name, state in definition["States"].items():
        for rule in state.get("Choices", []):
            edges.append(Edge(name, rule["Next"], _rule(rule)))
        if "Default" in state:
            edges.append(Edge(name, state["Default"], "default"))
        if "Next" in state:
            edges.append(Edge(name, state["Next"]))
        for catcher in state.get("Catch", []):
            edges.append(Edge(name, catcher["Next"], "catch " + ", ".join(catcher.get("ErrorEquals", []))))
    return edges


@dataclass
class Layout:
    rank: dict[str, int]
    x: dict[str, float]
    forward: list[tuple[Edge, list[str]]]  # with the placeholders it bends through
    back: list[Edge]
    width: float
    height: float

    def y(self, node: str) -> float:
        return MARGIN + self.rank[node] * (NODE_HEIGHT + RANK_GAP)


def layout(definition: Mapping[str, Any]) -> Layout:
    states: list[str] = list(definition["States"])
    edges = edges_of(definition)
    outgoing: dict[str, list[Edge]] = {s: [] for s in states}
    for edge in edges:
        outgoing[edge.source].append(edge)

    # Back edges: those closing a loop in a depth-first walk from StartAt (then any state not reached).
    order: list[str] = []
    back: list[Edge] = []
    on_path: set[str] = set()
    seen: set[str] = set()

    def visit(node: str) -> None:
        seen.add(node)
        on_path.add(node)
        order.append(node)
        for edge in outgoing[node]:
            if edge.target in on_path:
                back.append(edge)
            elif edge.target not in seen:
                visit(edge.target)
        on_path.discard(node)

    for start in [definition["StartAt"], *states]:
        if start not in seen:
            visit(start)
    forward_edges = [e for e in edges if e not in back]

    # Longest-path ranks over the forward edges (a DAG), in topological order.
    rank = dict.fromkeys(states, 0)
    incoming = dict.fromkeys(states, 0)
    for edge in forward_edges:
        incoming[edge.target] += 1
    ready = [s for s in order if incoming[s] == 0]
    while ready:
        node = ready.pop(0)
        for edge in outgoing[node]:
            if edge in back:
                continue
            rank[edge.target] = max(rank[edge.target], rank[node] + 1)
            incoming[edge.target] -= 1
            if incoming[edge.target] == 0:
                ready.append(edge.target)

    # Placeholders for transitions that skip ranks, so they bend around the states in between.
    ranks: dict[int, list[str]] = {}
    for node in order:
        ranks.setdefault(rank[node], []).append(node)
    forward: list[tuple[Edge, list[str]]] = []
    parents: dict[str, list[str]] = {s: [] for s in states}
    children: dict[str, list[str]] = {s: [] for s in states}
    for index, edge in enumerate(forward_edges):
        chain = [edge.source]
        for between in range(rank[edge.source] + 1, rank[edge.target]):
            dummy = f"\0{index}:{between}"
            rank[dummy] = between
            ranks[between].append(dummy)
            parents[dummy], children[dummy] = [], []
            chain.append(dummy)
        chain.append(edge.target)
        for upper, lower in itertools.pairwise(chain):
            children[upper].append(lower)
            parents[lower].append(upper)
        forward.append((edge, chain[1:-1]))

    # Order within ranks: barycenter sweeps, down then up.
    position = {node: float(i) for members in ranks.values() for i, node in enumerate(members)}
    for sweep in range(6):
        downward = sweep % 2 == 0
        for level in sorted(ranks, reverse=not downward):
            members = ranks[level]
            neighbours = parents if downward else children

            def barycenter(node: str, around: dict[str, list[str]] = neighbours) -> float:
                linked = around[node]
                return sum(position[n] for n in linked) / len(linked) if linked else position[node]

            members.sort(key=barycenter)
            for i, node in enumerate(members):
                position[node] = float(i)

    # Coordinates: each rank packed left to right, then pulled under its parents' centre.
    def width_of(node: str) -> float:
        return DUMMY_WIDTH if node.startswith("\0") else NODE_WIDTH

    x: dict[str, float] = {}
    for level in sorted(ranks):
        members = ranks[level]
        wanted = []
        for node in members:
            linked = [x[p] for p in parents[node] if p in x]
            wanted.append(sum(linked) / len(linked) if linked else 0.0)
        packed: list[float] = []
        for i, node in enumerate(members):
            left = wanted[i]
            if i:
                gap = (width_of(members[i - 1]) + width_of(node)) / 2 + COLUMN_GAP
                left = max(left, packed[-1] + gap)
            packed.append(left)
        # States keep their place under their parents; placeholders make room beside them.
        real = [i for i, node in enumerate(members) if not node.startswith("\0")] or list(range(len(members)))
        shift = sum(wanted[i] - packed[i] for i in real) / len(real)
        for node, centre in zip(members, packed, strict=True):
            x[node] = centre + shift
    lowest = min(x[n] - width_of(n) / 2 for n in x)
    for node in x:
        x[node] += MARGIN - lowest
    right = max(x[n] + width_of(n) / 2 for n in x)
    loops = len(back) * LOOP_GAP + (MARGIN if back else 0)
    height = MARGIN * 2 + (max(rank.values()) + 1) * (NODE_HEIGHT + RANK_GAP) - RANK_GAP
    return Layout(rank, x, forward, back, right + loops + MARGIN, height)


def _curve(points: Sequence[tuple[float, float]]) -> str:
    """A smooth path through the points, leaving and entering each vertically."""
    (x0, y0), rest = points[0], points[1:]
    path = [f"M{x0:.1f},{y0:.1f}"]
    for x1, y1 in rest:
        middle = (y0 + y1) / 2
        path.append(f"C{x0:.1f},{middle:.1f} {x1:.1f},{middle:.1f} {x1:.1f},{y1:.1f}")
        x0, y0 = x1, y1
    return " ".join(path)


def _arrow(edge_class: str) -> str:
    return "arrow-taken" if "taken" in edge_class else "arrow"


def _duration(milliseconds: float) -> str:
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    if milliseconds < 120_000:
        return f"{milliseconds / 1000:.1f} s"
    if milliseconds < 7_200_000:
        return f"{milliseconds / 60_000:.0f} min"
    return f"{milliseconds / 3_600_000:.1f} h"


def state_classes(visit: Visit | None) -> list[str]:
    if visit is None or not visit.order:
        return []
    classes = ["visited"]
    if visit.errored:
        classes.append("errored")
    if visit.current:
        classes.append("current")
    if visit.failed:
        classes.append("failed")
    return classes


def _node(name: str, state: Mapping[str, Any], visit: Visit | None, left: float, top: float, link: str) -> str:
    kind = str(state.get("Type", "Task"))
    classes = " ".join(["state", f"type-{kind.lower()}", *state_classes(visit)])
    summary = kind
    detail = f"{name}: {kind} state"
    if visit and visit.order:
        times = f" x{len(visit.order)}" if len(visit.order) > 1 else ""
        summary = f"{kind}{times} · {_duration(visit.milliseconds)}"
        marks = [m for m, on in (("running now", visit.current), ("failed here", visit.failed)) if on]
        marks += ["a task error here"] if visit.errored else []
        detail += f", entered {len(visit.order)} time(s) (step {', '.join(map(str, visit.order))})"
        detail += f", {_duration(visit.milliseconds)}" + "".join(f", {m}" for m in marks)
    else:
        detail += ", not entered"
    radius = NODE_HEIGHT / 2 if kind in ("Succeed", "Fail") else (14 if kind == "Choice" else 6)
    badge = ""
    if visit and visit.order:
        text = ",".join(map(str, visit.order[:3])) + ("…" if len(visit.order) > 3 else "")
        badge_width = 10 + 7 * len(text)
        badge = (
            f'<rect class="badge" x="{left - 8:.1f}" y="{top - 9:.1f}" width="{badge_width}" height="18" rx="9"/>'
            f'<text class="badge-text" x="{left - 8 + badge_width / 2:.1f}" y="{top + 4:.1f}">{escape(text)}</text>'
        )
    centre = left + NODE_WIDTH / 2
    return (
        f'<a href="{escape(link)}" class="state-link" aria-label="{escape(detail)}">'
        f'<g class="{classes}" data-state="{escape(name)}" id="graph-{escape(name)}">'
        f"<title>{escape(detail)}</title>"
        f'<rect class="box" x="{left:.1f}" y="{top:.1f}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="{radius}"/>'
        f'<text class="name" x="{centre:.1f}" y="{top + 18:.1f}">{escape(name)}</text>'
        f'<text class="kind" x="{centre:.1f}" y="{top + 33:.1f}">{escape(summary)}</text>'
        f"{badge}</g></a>"
    )


def render_svg(
    definition: Mapping[str, Any],
    visits: Mapping[str, Visit],
    taken: Iterable[tuple[str, str]] = (),
    link: str = "#events-{state}",
    title: str = "State machine",
) -> str:
    """The state machine as an SVG element: every state, the ones the execution entered marked."""
    drawn = layout(definition)
    taken_pairs = set(taken)
    parts: list[str] = []

    def top(node: str) -> float:
        return drawn.y(node)

    for edge, dummies in drawn.forward:
        points = [(drawn.x[edge.source], top(edge.source) + NODE_HEIGHT)]
        for dummy in dummies:
            points += [(drawn.x[dummy], top(dummy)), (drawn.x[dummy], top(dummy) + NODE_HEIGHT)]
        points.append((drawn.x[edge.target], top(edge.target) - 2))
        cls = "edge taken" if (edge.source, edge.target) in taken_pairs else "edge"
        parts.append(f'<path class="{cls}" d="{_curve(points)}" marker-end="url(#{_arrow(cls)})"/>')
        if edge.label:
            # Beside the first stretch, on the side it bends to (left of a straight one).
            (x0, y0), (x1, y1) = points[0], points[1]
            anchor, dx = ("start", 6) if x1 > x0 + 1 else ("end", -6)
            parts.append(
                f'<text class="edge-label" text-anchor="{anchor}" x="{(x0 + x1) / 2 + dx:.1f}" '
                f'y="{y0 + (y1 - y0) * 0.45 + 4:.1f}">{escape(edge.label)}</text>'
            )
    node_right = max(drawn.x[n] + NODE_WIDTH / 2 for n in definition["States"])
    for index, edge in enumerate(drawn.back):
        far = node_right + LOOP_GAP * (index + 1)
        sx, sy = drawn.x[edge.source] + NODE_WIDTH / 2, top(edge.source) + NODE_HEIGHT / 2
        tx, ty = drawn.x[edge.target] + NODE_WIDTH / 2 + 2, top(edge.target) + NODE_HEIGHT / 2
        path = (
            f"M{sx:.1f},{sy:.1f} C{far:.1f},{sy:.1f} {far:.1f},{sy:.1f} {far:.1f},{(sy + ty) / 2:.1f} "
            f"C{far:.1f},{ty:.1f} {far:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        )
        cls = "edge back taken" if (edge.source, edge.target) in taken_pairs else "edge back"
        parts.append(f'<path class="{cls}" d="{path}" marker-end="url(#{_arrow(cls)})"/>')
        if edge.label:
            parts.append(
                f'<text class="edge-label" x="{far + 4:.1f}" y="{(sy + ty) / 2:.1f}" '
                f'transform="rotate(90 {far + 4:.1f} {(sy + ty) / 2:.1f})">{escape(edge.label)}</text>'
            )
    for name, state in definition["States"].items():
        left = drawn.x[name] - NODE_WIDTH / 2
        parts.append(_node(name, state, visits.get(name), left, top(name), link.format(state=name)))
    marker = (
        '<marker id="{0}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
        'markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="{0}"/></marker>'
    )
    arrow = "<defs>" + marker.format("arrow") + marker.format("arrow-taken") + "</defs>"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="group" aria-labelledby="graph-title" '
        f'viewBox="0 0 {drawn.width:.0f} {drawn.height:.0f}" width="{drawn.width:.0f}" height="{drawn.height:.0f}">'
        f'<title id="graph-title">{escape(title)}</title>{arrow}{"".join(parts)}</svg>'
    )
