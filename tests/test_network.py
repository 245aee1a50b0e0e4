"""Account networks on a cyberbullying scenario served by the fake Mastodon: who targets
whom, the most targeted, the most active, groups, one target's timeline, and the exports
stored as derived exhibits that name their inputs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import networkx as nx
import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.analysis.network import (
    _layout,
    groups,
    labelled,
    most_active,
    most_targeted,
    targeting,
    timeline_of,
    to_graphml,
    to_png,
)
from osint_kit.errors import InvalidOption
from osint_kit_sandbox.platforms import FakePlatforms
from social_helpers import settings_for

HOST = "social.example"
START = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)


def key(user: str) -> str:
    return f"mastodon:@{user}@{HOST}"


@pytest.fixture
def harassed(fake: FakePlatforms, case: Case) -> Case:
    """Three accounts pile on one student; two friends talk among themselves."""
    inst = fake.mastodon.add_instance(HOST, version="4.3.0")
    users = {
        name: inst.add_account(name, display_name=name.title())
        for name in ("student", "troll1", "troll2", "troll3", "friend1", "friend2")
    }
    t = START
    root = inst.add_status(users["student"], created_at=t, text="My drawing #art")
    for n, troll in enumerate(("troll1", "troll2", "troll3", "troll1", "troll1", "troll2")):
        t += timedelta(minutes=7)
        inst.add_status(
            users[troll],
            created_at=t,
            text=f"@student nobody likes you ({n}) @troll2",
            in_reply_to=root,
        )
    t += timedelta(hours=1)
    chat = inst.add_status(users["friend1"], created_at=t, text="@friend2 see you at 8")
    inst.add_status(
        users["friend2"], created_at=t + timedelta(minutes=2), text="@friend1 ok", in_reply_to=chat
    )
    settings = settings_for(fake)
    case.collect(f"mastodon:{root.url}", settings=settings, examiner=EXAMINER, progress=False)
    case.collect(f"mastodon:{chat.url}", settings=settings, examiner=EXAMINER, progress=False)
    return case


def test_the_network_has_one_edge_per_interaction(harassed: Case) -> None:
    graph = harassed.analysis.network()
    assert isinstance(graph, nx.MultiDiGraph)
    replies = [(s, t) for s, t, d in graph.edges(data=True) if d["kind"] == "reply"]
    assert replies.count((key("troll1"), key("student"))) == 3
    assert (key("friend2"), key("friend1")) in replies
    edge = next(d for _, _, d in graph.edges(data=True) if d["kind"] == "mention")
    assert edge["post_exhibit"].startswith("E") and edge["time"].endswith("Z")
    only_replies = harassed.analysis.network(kinds=("reply",))
    assert {d["kind"] for _, _, d in only_replies.edges(data=True)} == {"reply"}
    with pytest.raises(InvalidOption, match="choose from"):
        harassed.analysis.network(kinds=("likes",))


def test_a_kinds_filter_keeps_only_the_accounts_on_an_edge_of_those_kinds(
    fake: FakePlatforms, case: Case
) -> None:
    """Fifty accounts reply to one post and mention five onlookers who never reply: the
    network of replies is the 51 accounts that replied or were replied to, not 56."""
    inst = fake.mastodon.add_instance(HOST, version="4.3.0")
    owner = inst.add_account("owner")
    onlookers = [f"onlooker{n}" for n in range(5)]
    for name in onlookers:
        inst.add_account(name)
    root = inst.add_status(owner, created_at=START, text="A post")
    for n in range(50):
        inst.add_status(
            inst.add_account(f"replier{n}"),
            created_at=START + timedelta(minutes=n + 1),
            text=f"@{onlookers[n % 5]} look at this",
            in_reply_to=root,
        )
    settings = settings_for(fake)
    case.collect(f"mastodon:{root.url}", settings=settings, examiner=EXAMINER, progress=False)
    everything = case.analysis.network()
    assert {key(o) for o in onlookers} <= set(everything)
    replies = case.analysis.network(kinds=("reply",))
    assert replies.number_of_nodes() == 51 and replies.number_of_edges() == 50
    assert not {key(o) for o in onlookers} & set(replies)
    assert not [n for n in replies if replies.degree(n) == 0]  # no account stands alone
    assert replies.nodes[key("owner")]["handle"]  # what the accounts table says of each
    mentions = case.analysis.network(kinds=("mention",))
    assert set(mentions) == {key(o) for o in onlookers} | {key(f"replier{n}") for n in range(50)}


def test_who_targets_whom_and_the_most_targeted(harassed: Case) -> None:
    graph = harassed.analysis.network()
    weighted = targeting(graph)
    # troll1 replied 3 times and mentioned the student 3 times
    assert weighted[key("troll1")][key("student")]["weight"] == 6
    assert weighted[key("troll1")][key("student")]["reply"] == 3
    top, received, senders = most_targeted(graph, 1)[0]
    assert (top, received, senders) == (key("student"), 12, 3)
    active = [a for a, _, _ in most_active(graph, 3)]
    assert active[0] == key("troll1")
    found = groups(graph)
    trolls = next(g for g in found if key("student") in g)
    assert {key("troll1"), key("troll2"), key("troll3")} <= trolls
    assert {key("friend1"), key("friend2")} in found


def test_one_targets_timeline(harassed: Case) -> None:
    rows = timeline_of(harassed.analysis.network(), key("student"))
    assert len(rows) == 12 and rows == sorted(rows, key=lambda r: r["time"])
    assert {r["source"] for r in rows} == {key("troll1"), key("troll2"), key("troll3")}
    assert rows[0]["time"] == "2026-11-02T18:07:00Z"


def test_exports_are_derived_exhibits_naming_their_inputs(harassed: Case) -> None:
    before = len(harassed.events())
    graphml = harassed.analysis.export_network("graphml", examiner=EXAMINER)
    gexf = harassed.analysis.export_network("gexf", examiner=EXAMINER)
    png = harassed.analysis.export_network("png", kinds=("reply",), examiner=EXAMINER)
    events = harassed.events()[before:]
    assert [e.action for e in events] == ["analysis.derived"] * 3
    derived = events[0].details["derived"]
    posts = {p["exhibit"] for p in harassed.analysis.posts()}
    assert derived["method"] == "network.graphml" and set(derived["inputs"]) <= posts
    assert derived["head"]["seq"] == before and len(derived["inputs"]) >= 8
    assert graphml.role == "derived" and graphml.media_type == "application/graphml+xml"
    back = nx.read_graphml(graphml.path)
    assert back.number_of_edges() == harassed.analysis.network().number_of_edges()
    ET.parse(gexf.path)  # well-formed GEXF
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.name == "network-reply.png"
    assert harassed.verify().ok
    row = next(r for r in harassed.exhibits().to_frame().itertuples() if r.Index == png.label)
    assert row.role == "derived"
    with pytest.raises(InvalidOption):
        harassed.analysis.export_network("svg", examiner=EXAMINER)
    assert json.loads(json.dumps(derived))  # plain JSON on the record


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_an_exported_network_opens_by_its_extension(harassed: Case, fmt: str) -> None:
    exhibit = harassed.analysis.export_network(fmt, kinds=("reply",), examiner=EXAMINER)
    assert harassed.exhibit(exhibit.label).name == f"network-reply.{fmt}"
    path = harassed.analysis.file(exhibit)
    assert path.name == f"{exhibit.label}-network-reply.{fmt}"
    assert path.parent == harassed.path / "derived" / "files"
    opened = {".graphml": nx.read_graphml, ".gexf": nx.read_gexf}[path.suffix](path)
    assert opened.number_of_edges() == harassed.analysis.network(("reply",)).number_of_edges()
    path.write_bytes(b"changed by a program that saved over it")
    assert harassed.analysis.file(exhibit.label).read_bytes() == exhibit.read_bytes()
    assert harassed.verify().ok  # the copy is a view, not evidence


def test_a_copy_is_named_safely_whatever_the_recorded_name(case: Case, tmp_path: Path) -> None:
    odd = tmp_path / "..  notes; rm -rf ~ .TXT"
    odd.write_text("a tip")
    bare = tmp_path / "no-extension"
    bare.write_bytes(b"\x89PNG\r\n\x1a\n")
    capture = case.import_files(
        [odd, bare], handed_over_by="a witness", examiner=EXAMINER, progress=False
    )
    first, second = (case.analysis.file(label) for label in capture.exhibits)
    assert first.parent == second.parent == case.path / "derived" / "files"
    assert first.name.startswith(capture.exhibits[0] + "-") and first.name.endswith(".TXT")
    assert " " not in first.name and ";" not in first.name and "~" not in first.name
    assert first.read_text() == "a tip"
    assert second.name.startswith(capture.exhibits[1] + "-no-extension")


def test_an_empty_case_has_an_empty_network(case: Case) -> None:
    graph = case.analysis.network()
    assert graph.number_of_nodes() == 0 and most_targeted(graph) == [] and groups(graph) == []
    assert b"<graphml" in to_graphml(graph)


def test_the_report_says_a_derived_exhibit_is_not_collected(harassed: Case) -> None:
    exhibit = harassed.analysis.export_network("gexf", examiner=EXAMINER)
    html = harassed.disclosure.report().html
    section = html.split(f"id='{exhibit.label}'")[1].split("</table>")[0]
    assert "DERIVED (not collected)" in section and "network.gexf of" in section


def test_a_derived_exhibit_travels_in_a_bundle_as_derived(harassed: Case, tmp_path: Path) -> None:
    import zipfile

    from osint_kit import verify_bundle

    graphml = harassed.analysis.export_network("graphml", examiner=EXAMINER)
    result = harassed.disclosure.export(
        tmp_path / "to-prosecutor.zip",
        authorization="DA-7",
        recipient="Prosecutor",
        exhibits=[graphml.label],
        examiner=EXAMINER,
    )
    assert verify_bundle(result.path).ok
    with zipfile.ZipFile(result.path) as bundle:
        names = bundle.namelist()
        report = bundle.read(next(n for n in names if n.endswith("report.html"))).decode()
    assert any(n.endswith(f"{graphml.label}/{graphml.name}") for n in names)
    assert "DERIVED (not collected)" in report


def _crowd(n: int) -> nx.MultiDiGraph:
    """``n`` accounts, each replying to one of five targets and to one other account."""
    graph = nx.MultiDiGraph()
    for i in range(n):
        for target in (i % 5, (i * 7 + 3) % n):
            if target != i:
                graph.add_edge(
                    key(f"u{i}"),
                    key(f"u{target}"),
                    kind="reply",
                    post_exhibit="E1",
                    post_id=str(i),
                    time="2026-11-02T18:00:00Z",
                )
    return graph


@pytest.mark.parametrize("n", [12, 55, 300, 600])
def test_a_drawing_names_only_the_most_connected_accounts(n: int) -> None:
    graph = _crowd(n)
    named = labelled(targeting(graph))
    assert len(named) == n if n <= 20 else 10 <= len(named) <= 15
    assert {key(f"u{i}") for i in range(5)} <= set(named)  # the five everyone targets
    png = to_png(graph, title=f"{n} accounts")  # 500 and more: no SciPy needed
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_network_to_click_through_in_jupyterlab(harassed: Case) -> None:
    """ipysigma (the lab extra) when installed; the drawn picture otherwise."""
    try:
        import ipysigma
    except ImportError:
        from IPython.display import Image

        shown = harassed.analysis.network_view(kinds=("reply",))
        assert isinstance(shown, Image) and shown.data[:8] == b"\x89PNG\r\n\x1a\n"
        return
    view = harassed.analysis.network_view(kinds=("reply",))
    assert isinstance(view, ipysigma.Sigma)
    nodes = {n["key"]: n["attributes"] for n in view.data["nodes"]}
    assert set(nodes) == set(harassed.analysis.network(kinds=("reply",)))
    student = nodes[key("student")]
    assert student["label"] == "@student@social.example" and student["received"] == 6
    assert nodes[key("troll1")]["group"] == student["group"]


@pytest.mark.parametrize("n", [55, 300])
def test_separate_groups_are_drawn_side_by_side_not_far_apart(n: int) -> None:
    """Each group in its own part of the picture, and the picture mostly groups, not the
    empty space a force layout puts between parts that do not pull on each other."""
    weighted = targeting(_crowd(n))
    layout = _layout(weighted, 1)
    parts = [list(c) for c in nx.weakly_connected_components(weighted)]
    assert len(parts) > 1 and set(layout) == set(weighted)

    def box(accounts: list[str]) -> tuple[float, float, float, float]:
        xs, ys = [layout[a][0] for a in accounts], [layout[a][1] for a in accounts]
        return min(xs), min(ys), max(xs), max(ys)

    boxes = [box(p) for p in parts]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], (a, b)
    whole = box(list(layout))
    area = (whole[2] - whole[0]) * (whole[3] - whole[1])
    assert area <= 4 * sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes)
