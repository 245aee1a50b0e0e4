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
    received, edge width by weight, and labels (handle, else key) on the most connected
    accounts only (``labelled``), so that a few hundred accounts stay readable."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    weighted = targeting(graph)
    n = weighted.number_of_nodes()
    side = 10 if n <= 60 else 14
    figure = Figure(figsize=(side, side * 0.8), dpi=100)
    axes = figure.add_subplot()
    axes.set_axis_off()
    named = labelled(weighted)
    if title:
        shown = f" (labelled: the {len(named)} most connected)" if len(named) < n else ""
        axes.set_title(title + shown)
    if n:
        layout = _layout(weighted, seed)
        received = dict(weighted.in_degree(weight="weight"))
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
        labels = {a: _short(weighted.nodes[a].get("handle") or a) for a in named}
        texts = nx.draw_networkx_labels(weighted, layout, labels, ax=axes, font_size=8)
        for text in texts.values():
            text.set_bbox({"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1})
    out = io.BytesIO()
    figure.savefig(out, format="png", bbox_inches="tight")
    return out.getvalue()


#: networkx lays out 500 nodes or more with a sparse method that needs SciPy, which
#: osint-kit does not install: past this many, the rest are placed by their neighbours.
LAID_OUT = 499


def _layout(weighted: nx.DiGraph, seed: int) -> dict[Any, Any]:
    """A spring layout spread so groups stand apart, with NumPy alone: the ``LAID_OUT``
    most connected accounts by force, each other one beside its busiest laid-out
    neighbour (or on a ring around the picture when it has none)."""
    import numpy as np

    undirected = nx.Graph(weighted.to_undirected())
    degree = dict(undirected.degree())
    core = sorted(undirected, key=lambda a: (-degree[a], str(a)))[:LAID_OUT]
    k = 3 / max(len(core), 1) ** 0.5
    layout = dict(
        nx.spring_layout(undirected.subgraph(core), seed=seed, k=k, iterations=150, weight=None)
    )
    rest = [a for a in undirected if a not in layout]
    rng = np.random.default_rng(seed)
    for n, account in enumerate(rest):
        near = [b for b in undirected[account] if b in layout]
        if near:
            anchor = layout[max(near, key=lambda b: (degree[b], str(b)))]
            layout[account] = anchor + rng.normal(0, 0.03, 2)
        else:
            angle = 2 * np.pi * n / len(rest)
            layout[account] = np.array([1.15 * np.cos(angle), 1.15 * np.sin(angle)])
    return layout


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
