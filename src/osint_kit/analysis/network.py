"""Account networks from the interactions table (networkx), for cyberbullying and
cyberstalking: who targets whom, the most targeted, the most active, groups, one
target's timeline; and the network as GraphML, GEXF (Gephi), a drawn picture or an
interactive widget (ipysigma) in JupyterLab.

Nodes are account keys (``mastodon:@user@host``, ``bluesky:did:…``,
``telegram:@channel``); each interaction is one edge of a ``MultiDiGraph`` from
its source to its target, with its ``kind``, ``post_exhibit``, ``post_id`` and
``time`` (RFC 3339 text, so every export format can hold it).
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc

from osint_kit.analysis.posts import INTERACTIONS_SCHEMA
from osint_kit.errors import InvalidOption

log = logging.getLogger("osint_kit")

KINDS = ("reply", "mention", "repost", "quote")


def check_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(kinds))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown or not chosen:
        raise InvalidOption("kinds", f"{unknown or 'none'}: choose from {', '.join(KINDS)}")
    return chosen


def build_network(
    interactions: Iterable[Mapping[str, Any]] | pa.Table,
    accounts: Iterable[Mapping[str, Any]] | pa.Table = (),
    kinds: Iterable[str] = KINDS,
) -> nx.MultiDiGraph:
    """One edge per interaction of the chosen ``kinds``, one node per account on such an
    edge (sent or received), with its handle and names from ``accounts``.

    An account with no interaction of those kinds is no node: a network of replies is
    the accounts that replied or were replied to, not every author and every account
    mentioned. Takes the tables (``case.analysis.interactions()``,
    ``case.analysis.accounts()``) as Arrow tables or as rows; an Arrow table is read
    column by column, which is what makes millions of interactions a matter of seconds.
    """
    chosen = check_kinds(kinds)
    graph = nx.MultiDiGraph()
    table = _interactions_table(interactions)
    table = table.filter(pc.is_in(table["kind"], value_set=pa.array(chosen)))
    seconds = pc.cast(table["time"], pa.timestamp("s", tz="UTC"), safe=False)
    times = pc.fill_null(pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ"), "")
    platforms = table["platform"].to_pylist()
    sources, targets = table["source"].to_pylist(), table["target"].to_pylist()
    for key, platform in zip(sources + targets, platforms + platforms, strict=True):
        if key not in graph:
            graph.add_node(key, platform=platform or "", handle="", display_name="")
    for account in _rows(accounts, ("key", "platform", "handle", "display_name")):
        if account["key"] in graph:
            graph.nodes[account["key"]].update(
                platform=account.get("platform") or graph.nodes[account["key"]]["platform"],
                handle=account.get("handle") or "",
                display_name=account.get("display_name") or "",
            )
    graph.add_edges_from(
        (s, t, {"kind": k, "post_exhibit": e, "post_id": i, "time": w})
        for s, t, k, e, i, w in zip(
            sources,
            targets,
            table["kind"].to_pylist(),
            table["post_exhibit"].to_pylist(),
            table["post_id"].to_pylist(),
            times.to_pylist(),
            strict=True,
        )
    )
    return graph


def _interactions_table(interactions: Iterable[Mapping[str, Any]] | pa.Table) -> pa.Table:
    if isinstance(interactions, pa.Table):
        return interactions
    if hasattr(interactions, "to_arrow"):
        return interactions.to_arrow()
    return pa.Table.from_pylist(list(interactions), schema=INTERACTIONS_SCHEMA)


def _rows(
    table: Iterable[Mapping[str, Any]] | pa.Table, columns: tuple[str, ...]
) -> Iterable[Mapping[str, Any]]:
    if isinstance(table, pa.Table):
        rows: list[Mapping[str, Any]] = table.select(list(columns)).to_pylist()
        return rows
    return table


def targeting(graph: nx.MultiDiGraph) -> nx.DiGraph:
    """Who targets whom: one edge per ordered pair, ``weight`` = how many interactions,
    with the count of each kind. Self-interactions (a thread answering itself) are left
    out."""
    weighted = nx.DiGraph()
    weighted.add_nodes_from(graph.nodes(data=True))
    for source, target, data in graph.edges(data=True):
        if source == target:
            continue
        if not weighted.has_edge(source, target):
            weighted.add_edge(source, target, weight=0, **{k: 0 for k in KINDS})
        edge = weighted[source][target]
        edge["weight"] += 1
        edge[data["kind"]] += 1
    return weighted


def most_targeted(graph: nx.MultiDiGraph, n: int = 10) -> list[tuple[str, int, int]]:
    """(account, interactions received, distinct senders), most received first."""
    weighted = targeting(graph)
    return _ranked(weighted, weighted.in_degree, n)


def most_active(graph: nx.MultiDiGraph, n: int = 10) -> list[tuple[str, int, int]]:
    """(account, interactions sent, distinct accounts targeted), most sent first."""
    weighted = targeting(graph)
    return _ranked(weighted, weighted.out_degree, n)


def _ranked(weighted: nx.DiGraph, degree: Any, n: int) -> list[tuple[str, int, int]]:
    """Accounts by weighted ``degree`` (then by how many others), none at zero."""
    rows = [(node, int(degree(node, weight="weight")), int(degree(node))) for node in weighted]
    return sorted((r for r in rows if r[1]), key=lambda r: (-r[1], -r[2], r[0]))[:n]


def groups(graph: nx.MultiDiGraph, seed: int = 1) -> list[set[str]]:
    """Communities of accounts (Louvain on the undirected, weighted network), largest
    first; accounts with no interaction are left out. ``seed`` makes it repeatable."""
    undirected = nx.Graph()
    for source, target, data in targeting(graph).edges(data=True):
        prior = undirected.get_edge_data(source, target, {"weight": 0})["weight"]
        undirected.add_edge(source, target, weight=prior + data["weight"])
    if undirected.number_of_edges() == 0:
        return []
    found = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
    return sorted((set(c) for c in found), key=lambda c: (-len(c), sorted(c)))


def timeline_of(graph: nx.MultiDiGraph, target: str) -> list[dict[str, str]]:
    """Every interaction aimed at ``target``, oldest first: when, who, how, which post."""
    rows = [
        {
            "time": data["time"],
            "source": source,
            "kind": data["kind"],
            "post_exhibit": data["post_exhibit"],
            "post_id": data["post_id"],
        }
        for source, to, data in graph.in_edges(target, data=True)
        if to == target and source != target
    ]
    return sorted(rows, key=lambda r: (r["time"], r["post_exhibit"], r["kind"]))


def kinds_count(graph: nx.MultiDiGraph) -> Counter[str]:
    return Counter(data["kind"] for _, _, data in graph.edges(data=True))


def to_graphml(graph: nx.MultiDiGraph) -> bytes:
    out = io.BytesIO()
    nx.write_graphml(graph, out, encoding="utf-8")
    return out.getvalue()


def to_gexf(graph: nx.MultiDiGraph) -> bytes:
    out = io.BytesIO()
    nx.write_gexf(graph, out, encoding="utf-8")
    return out.getvalue()


def labelled(weighted: nx.DiGraph, most: int | None = None) -> list[str]:
    """The accounts a drawing names: the most connected (interactions sent and received),
    all of them in a small network, 15 at most in a large one, so the labels stay
    readable at a few hundred accounts."""
    n = weighted.number_of_nodes()
    most = most if most is not None else (n if n <= 20 else min(15, 8 + n // 25))
    degree = dict(weighted.degree(weight="weight"))
    return sorted(weighted, key=lambda a: (-degree[a], a))[:most]


def to_png(graph: nx.MultiDiGraph, *, title: str = "", seed: int = 1) -> bytes:
    """The weighted network drawn (matplotlib, no display): node size by interactions
    received, edge width by weight; the most connected accounts (``labelled``) are
    numbered on the picture and listed beside it by handle (else key) with what they
    sent and received, so labels never pile up, at a dozen accounts or a few hundred.
    Separate groups are drawn side by side, each sized by its number of accounts."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    weighted = targeting(graph)
    n = weighted.number_of_nodes()
    side = 10 if n <= 60 else 13
    figure = Figure(figsize=(side * 1.35, side * 0.8), dpi=100)
    grid = figure.add_gridspec(1, 2, width_ratios=(3.0, 1.05), wspace=0.02)
    axes, key_axes = figure.add_subplot(grid[0]), figure.add_subplot(grid[1])
    axes.set_axis_off()
    key_axes.set_axis_off()
    named = labelled(weighted)
    if title:
        shown = f" (numbered: the {len(named)} most connected)" if len(named) < n else ""
        figure.suptitle(title + shown)
    if n:
        layout = _layout(weighted, seed)
        received = dict(weighted.in_degree(weight="weight"))
        sent = dict(weighted.out_degree(weight="weight"))
        top = max(received.values(), default=0) or 1
        small = 40 if n > 60 else 120
        sizes = [small + 600 * (received.get(a, 0) / top) for a in weighted]
        heaviest = max((d["weight"] for _, _, d in weighted.edges(data=True)), default=1)
        widths = [0.4 + 3 * d["weight"] / heaviest for _, _, d in weighted.edges(data=True)]
        colors = ["#e07b39" if a in named else "#8ab4d8" for a in weighted]
        nx.draw_networkx_edges(
            weighted, layout, ax=axes, width=widths, edge_color="#999999", alpha=0.5,
            arrows=True, arrowsize=8, node_size=sizes,
        )
        nx.draw_networkx_nodes(
            weighted, layout, ax=axes, node_size=sizes, node_color=colors, linewidths=0.5,
            edgecolors="#ffffff",
        )
        numbers = {a: str(i) for i, a in enumerate(named, 1)}
        texts = nx.draw_networkx_labels(
            weighted, layout, numbers, ax=axes, font_size=8, font_weight="bold"
        )
        for text in texts.values():
            text.set_bbox({"facecolor": "white", "alpha": 0.8, "edgecolor": "#e07b39", "pad": 1})
        lines = [
            f"{i:>2}  {_short(weighted.nodes[a].get('handle') or a, 34)}\n"
            f"     received {received.get(a, 0)}, sent {sent.get(a, 0)}"
            for i, a in enumerate(named, 1)
        ]
        key_axes.text(
            0.0, 1.0, "\n".join(lines), va="top", ha="left", family="monospace",
            fontsize=8 if len(named) <= 15 else 7, transform=key_axes.transAxes,
        )  # fmt: skip
    out = io.BytesIO()
    figure.savefig(out, format="png", bbox_inches="tight")
    return out.getvalue()


#: networkx lays out 500 nodes or more with a sparse method that needs SciPy, which
#: osint-kit does not install: past this many, the rest are placed by their neighbours.
LAID_OUT = 499


def _layout(weighted: nx.DiGraph, seed: int) -> dict[Any, Any]:
    """Each group of connected accounts laid out by force on its own, then the groups
    packed in rows, largest first, each in a square whose side grows with the square
    root of its accounts; accounts with no link share one grid at the end."""
    import numpy as np

    undirected = nx.Graph(weighted.to_undirected())
    parts = sorted(
        (sorted(c, key=str) for c in nx.connected_components(undirected) if len(c) > 1),
        key=lambda c: (-len(c), str(c[0])),
    )
    alone = sorted((a for a in undirected if undirected.degree(a) == 0), key=str)
    blocks: list[tuple[float, dict[Any, Any]]] = []
    for part in parts:
        placed = _spring(undirected.subgraph(part), seed)
        blocks.append((len(part) ** 0.5, placed))
    if alone:
        cols = int(np.ceil(len(alone) ** 0.5))
        step = 2 / max(cols - 1, 1)
        grid = {a: np.array([i % cols, -(i // cols)]) * step + (-1, 1) for i, a in enumerate(alone)}
        blocks.append((len(alone) ** 0.5 * 0.6, grid))
    width = max(sum(2 * size for size, _ in blocks) ** 0.5 * 2.2, 2 * blocks[0][0]) if blocks else 1
    layout: dict[Any, Any] = {}
    x = y = row = 0.0
    for size, placed in blocks:
        if x and x + 2 * size > width:
            x, y, row = 0.0, y - row - 0.4, 0.0
        for account, at in placed.items():
            layout[account] = np.array([x + size + at[0] * size, y - size + at[1] * size])
        x += 2 * size + 0.4
        row = max(row, 2 * size)
    return layout


def _spring(part: nx.Graph, seed: int) -> dict[Any, Any]:
    """One connected group laid out in [-1, 1]² with NumPy alone: its ``LAID_OUT`` most
    connected accounts by force, each other one beside its busiest laid-out neighbour."""
    import numpy as np

    degree = dict(part.degree())
    core = sorted(part, key=lambda a: (-degree[a], str(a)))[:LAID_OUT]
    layout = dict(nx.spring_layout(part.subgraph(core), seed=seed, iterations=100, weight=None))
    rng = np.random.default_rng(seed)
    hops = nx.multi_source_dijkstra_path_length(part, set(core)) if len(core) < len(part) else {}
    for account in sorted(hops, key=lambda a: (hops[a], str(a))):  # nearest the core first
        if account not in layout:
            near = [b for b in part[account] if b in layout]
            anchor = layout[max(near, key=lambda b: (degree[b], str(b)))]
            layout[account] = anchor + rng.normal(0, 0.03, 2)
    points = np.array(list(layout.values()))
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high - low > 0, high - low, 1.0)
    return {a: (at - low) / span * 2 - 1 for a, at in layout.items()}


def _short(label: str, most: int = 28) -> str:
    return label if len(label) <= most else label[: most - 1] + "…"


def interactive(graph: nx.MultiDiGraph, *, seed: int = 1, height: int = 600) -> Any:
    """The network to pan, zoom, search, filter and click in JupyterLab: an ipysigma
    widget (the ``lab`` extra) over ``targeting(graph)``, node size by interactions
    received, colour by group (``groups``), labels by handle, edge width by weight; a
    click on an account shows its key, platform, names and counts.

    Without ipysigma, the drawn network (``to_png``) as a picture, with a log line that
    says how to get the widget."""
    weighted = targeting(graph)
    try:
        from ipysigma import Sigma  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        log.info("the interactive network needs ipysigma: pip install 'osint-kit[lab]'")
        picture = to_png(graph, seed=seed)
        try:
            from IPython.display import Image
        except ImportError:  # not in a notebook at all
            return picture
        return Image(picture)  # type: ignore[no-untyped-call, unused-ignore]
    group_of = {a: n for n, found in enumerate(groups(graph, seed=seed)) for a in found}
    for account, data in weighted.nodes(data=True):
        data["label"] = data.get("handle") or account
        data["group"] = group_of.get(account, -1)
        data["received"] = int(weighted.in_degree(account, weight="weight"))
        data["sent"] = int(weighted.out_degree(account, weight="weight"))
    return Sigma(
        weighted,
        height=height,
        node_size="received",
        node_size_range=(3, 18),
        node_color="group",
        node_label="label",
        edge_size="weight",
        edge_size_range=(1, 6),
        start_layout=min(10, 2 + weighted.number_of_nodes() // 50),
    )


EXPORTS = {
    "graphml": ("application/graphml+xml", "graphml"),
    "gexf": ("application/gexf+xml", "gexf"),
    "png": ("image/png", "png"),
}
