"""Account networks from the interactions table (networkx), for cyberbullying and
cyberstalking: who targets whom, the most targeted, the most active, groups, one
target's timeline; and the network as GraphML, GEXF (Gephi) or a drawn picture.

Nodes are account keys (``mastodon:@user@host``, ``bluesky:did:…``,
``telegram:@channel``); each interaction is one edge of a ``MultiDiGraph`` from
its source to its target, with its ``kind``, ``post_exhibit``, ``post_id`` and
``time`` (RFC 3339 text, so every export format can hold it).
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.compute as pc

from osint_kit.analysis.posts import INTERACTIONS_SCHEMA
from osint_kit.errors import InvalidOption

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


def to_png(graph: nx.MultiDiGraph, *, title: str = "", seed: int = 1) -> bytes:
    """The weighted network drawn (matplotlib, no display): node size by interactions
    received, edge width by weight, labels by handle or key."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    weighted = targeting(graph)
    figure = Figure(figsize=(10, 8), dpi=100)
    axes = figure.add_subplot()
    axes.set_axis_off()
    if title:
        axes.set_title(title)
    if weighted.number_of_nodes():
        layout = nx.spring_layout(weighted, seed=seed, weight="weight")
        received = dict(weighted.in_degree(weight="weight"))
        sizes = [120 + 60 * received.get(n, 0) for n in weighted]
        widths = [0.5 + d["weight"] for _, _, d in weighted.edges(data=True)]
        labels = {n: (weighted.nodes[n].get("handle") or n) for n in weighted}
        nx.draw_networkx(
            weighted,
            layout,
            ax=axes,
            node_size=sizes,
            width=widths,
            labels=labels,
            font_size=7,
            node_color="#8ab4d8",
            edge_color="#777777",
            arrows=True,
        )
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


EXPORTS = {
    "graphml": ("application/graphml+xml", "graphml"),
    "gexf": ("application/gexf+xml", "gexf"),
    "png": ("image/png", "png"),
}
