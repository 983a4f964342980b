"""Turn a schema-valid case document into a Case: semantic checks, then graph analysis."""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType
from typing import Any
from typing import Literal

from lti_tool.simulation.analysis import MAX_STATES
from lti_tool.simulation.analysis import Analysis
from lti_tool.simulation.analysis import GraphFindings
from lti_tool.simulation.analysis import analyse
from lti_tool.simulation.analysis import render_value
from lti_tool.simulation.condition_parser import KEYWORDS
from lti_tool.simulation.condition_parser import parse_condition
from lti_tool.simulation.conditions import ConditionError
from lti_tool.simulation.conditions import Expression
from lti_tool.simulation.conditions import Value
from lti_tool.simulation.conditions import a_type_name
from lti_tool.simulation.conditions import check_types
from lti_tool.simulation.conditions import type_name
from lti_tool.simulation.conditions import variables_read
from lti_tool.simulation.country import VALUES as COUNTRY_VALUES
from lti_tool.simulation.country import VARIABLE as COUNTRY
from lti_tool.simulation.document import DataPath
from lti_tool.simulation.document import Document
from lti_tool.simulation.document import node_of
from lti_tool.simulation.media import MEDIA_FOLDER
from lti_tool.simulation.media import inspect
from lti_tool.simulation.media import locate
from lti_tool.simulation.model import DEFAULT_PASS_MARK
from lti_tool.simulation.model import Case
from lti_tool.simulation.model import Choice
from lti_tool.simulation.model import Effects
from lti_tool.simulation.model import Ending
from lti_tool.simulation.model import Media
from lti_tool.simulation.model import Node
from lti_tool.simulation.model import Source
from lti_tool.simulation.problems import TOP_LEVEL
from lti_tool.simulation.problems import Problem
from lti_tool.simulation.texts import collect_texts

# Feedback that names its own choice the best one ("the best option", "the best choice", ...).
_CALLS_IT_BEST = re.compile(r"\bbest\s+(option|choice|response|answer|action)\b", re.IGNORECASE)


def build_case(document: Document, path: Path) -> tuple[Case | None, list[Problem]]:
    """The case, or None and the problems; ``document`` must have passed the schema."""
    return _Builder(document, path).build()


class _Builder:
    def __init__(self, document: Document, path: Path) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data  # type: ignore[assignment]
        self.path = path
        self.problems: list[Problem] = []
        self.declared: dict[str, Value] = dict(self.data.get("variables", {}))
        # the built-in country is known to conditions; it stays in the case only if one reads it
        self.variables: dict[str, Value] = {**self.declared, COUNTRY: ""}
        self.media_used: set[str] = set()

    def report(self, where: DataPath, message: str, node: str | None = None) -> None:
        node_id = node_of(where) if node is None else node
        self.problems.append(Problem(str(self.path), self.document.line(where), node_id, message))

    def build(self) -> tuple[Case | None, list[Problem]]:
        self.check_top_level()
        nodes = {node_id: self.node(node_id, node) for node_id, node in self.data["nodes"].items()}
        self.check_unused_media()
        if self.problems:
            return None, self.problems
        conditions = [c.condition for n in nodes.values() for c in n.choices if c.condition]
        if not any(COUNTRY in variables_read(condition) for condition in conditions):
            self.variables = self.declared
        roots = {COUNTRY: COUNTRY_VALUES} if COUNTRY in self.variables else {}
        analysis, findings = analyse(
            self.data["start"], nodes, self.variables, list(self.data["dimensions"]), roots=roots
        )
        self.report_findings(findings)
        if self.problems or analysis is None:
            return None, self.problems
        return self.case(nodes, analysis), []

    def check_top_level(self) -> None:
        case_id = self.data["id"]
        if self.path.name != f"{case_id}.yaml":
            self.report(("id",), f"id `{case_id}` does not match the file name `{self.path.name}`")
        if COUNTRY in self.declared:
            self.report(
                ("variables", COUNTRY),
                f"variables: `{COUNTRY}` is built in (the learner's country); do not declare it",
            )
        for name in self.declared:
            if name in KEYWORDS:
                self.report(
                    ("variables", name),
                    f"variables: `{name}` is a word of the condition language; choose another name",
                )
        if self.data["start"] not in self.data["nodes"]:
            self.report(("start",), f"start: unknown node `{self.data['start']}`")

    def node(self, node_id: str, data: dict[str, Any]) -> Node:
        at: DataPath = ("nodes", node_id)
        verdicts = [choice.get("verdict") for choice in data.get("choices", [])]
        if any(verdicts) and "best" not in verdicts:
            self.report(
                (*at, "choices"),
                "no choice here has verdict `best`; every decision needs at least one",
            )
        for index, indicator in enumerate(data.get("indicators", [])):
            self.check_indicator((*at, "indicators", index), "indicators", indicator)
        first_line: dict[str, int] = {}
        choices = []
        for index, choice_data in enumerate(data.get("choices", [])):
            where: DataPath = (*at, "choices", index)
            choice_id = choice_data["id"]
            line = self.document.line(where)
            if choice_id in first_line:
                first = first_line[choice_id]
                message = f"duplicate choice id `{choice_id}` (first used at line {first})"
                self.report((*where, "id"), message)
            first_line.setdefault(choice_id, line)
            choices.append(self.choice(where, choice_data, line))
        ending = data.get("ending")
        media = tuple(
            found
            for index, item in enumerate(data.get("media", []))
            if (found := self.media((*at, "media", index), item, ending is not None))
        )
        return Node(
            id=node_id,
            text=data["text"],
            observations=tuple(data.get("observations", [])),
            speaker=tuple((item["who"], item["line"]) for item in data.get("speaker", [])),
            indicators=tuple(data.get("indicators", [])),
            choices=tuple(choices),
            ending=(
                Ending(ending["title"], ending["debrief"], ending.get("country_note"))
                if ending
                else None
            ),
            line=self.document.line(at),
            media=media,
        )

    def media(self, where: DataPath, data: dict[str, Any], at_ending: bool) -> Media | None:
        """The checked media item, or None after reporting why it cannot be shown."""
        label = f"media[{where[-1]}]"
        kind: Literal["image", "audio"] = "image" if "image" in data else "audio"
        self.media_used.add(data[kind])
        if at_ending:
            message = "media are shown in scenes with choices, not at an ending"
            self.report(where, f"{label}: {message}; put the item on the node before it")
            return None
        this = "an image" if kind == "image" else "audio"
        for key in ("transcript",) if kind == "image" else ("alt", "long_description"):
            if key in data:
                owner = "an audio clip" if key == "transcript" else "an image"
                self.report((*where, key), f"{label}: `{key}` belongs to {owner}, not to {this}")
        path, why = locate(self.path, self.data["id"], data[kind])
        if path is None:
            self.report((*where, kind), f"{label}: {why}")
            return None
        checked, reasons = inspect(path, kind)
        for reason in reasons:
            self.report((*where, kind), f"{label}: {reason}")
        if checked is None:
            return None
        return Media(
            kind=kind,
            file=data[kind],
            path=checked.path,
            content_type=checked.content_type,
            digest=checked.digest,
            alt=data.get("alt", ""),
            long_description=data.get("long_description"),
            transcript=data.get("transcript", ""),
            width=checked.width,
            height=checked.height,
            line=self.document.line(where),
        )

    def check_unused_media(self) -> None:
        """A file in the case's media folder that no node shows is reported: it would ship
        without anyone seeing it (a leftover, or a name misspelt in the case)."""
        folder = self.path.parent / MEDIA_FOLDER / str(self.data["id"])
        if not folder.is_dir():
            return
        for path in sorted(folder.iterdir()):
            if path.name not in self.media_used:
                self.report(
                    ("id",),
                    f"{MEDIA_FOLDER}/{self.data['id']}/{path.name} is not shown by any node; "
                    "remove it or add it to a node's `media`",
                    TOP_LEVEL,
                )

    def choice(self, where: DataPath, data: dict[str, Any], line: int) -> Choice:
        label = f"choice `{data['id']}`"
        if data["next"] not in self.data["nodes"]:
            self.report((*where, "next"), f"{label}: next: unknown node `{data['next']}`")
        for dimension in data.get("points", {}):
            if dimension not in self.data["dimensions"]:
                self.report(
                    (*where, "points", dimension),
                    f"{label}: points: unknown dimension `{dimension}`",
                )
        self.check_verdict(where, label, data)
        indicators = data.get("indicators", {})
        for kind in ("noticed", "missed"):
            for index, indicator in enumerate(indicators.get(kind, [])):
                path = (*where, "indicators", kind, index)
                self.check_indicator(path, f"{label}: indicators.{kind}", indicator)
        return Choice(
            id=data["id"],
            text=data["text"],
            feedback=data["feedback"],
            next=data["next"],
            when=data.get("when"),
            condition=self.condition(where, label, data.get("when")),
            effects=self.effects(where, label, data.get("effects", {})),
            points=MappingProxyType(dict(data.get("points", {}))),
            critical=data.get("critical", False),
            noticed=tuple(indicators.get("noticed", [])),
            missed=tuple(indicators.get("missed", [])),
            line=line,
            verdict=data.get("verdict"),
            fixed=data.get("fixed", False),
            country_note=data.get("country_note"),
        )

    def check_verdict(self, where: DataPath, label: str, data: dict[str, Any]) -> None:
        verdict = data.get("verdict")
        if verdict is None:
            return
        critical = data.get("critical", False)
        if verdict == "harmful":
            if any(data.get("points", {}).values()):
                self.report(
                    (*where, "points"),
                    f"{label}: verdict `harmful`: a harmful choice earns no points; "
                    "remove its points",
                )
            if self.data["critical_cap"] < 1 and not critical:
                self.report(
                    (*where, "verdict"),
                    f"{label}: verdict `harmful`: a harmful choice is a critical error in a "
                    "case with a critical_cap below 1; add `critical: true`",
                )
        if verdict == "best" and critical:
            self.report(
                (*where, "critical"),
                f"{label}: verdict `best`: the best option is never a critical error; "
                "change the verdict or remove `critical: true`",
            )
        if verdict != "best" and _CALLS_IT_BEST.search(data["feedback"]):
            self.report(
                (*where, "feedback"),
                f"{label}: feedback calls this choice the best option, but its verdict is "
                f"`{verdict}`; make it `best` or reword the feedback",
            )

    def check_indicator(self, where: DataPath, label: str, indicator: str) -> None:
        if indicator not in self.data.get("indicators", {}):
            self.report(where, f"{label}: unknown indicator `{indicator}`")

    def condition(self, where: DataPath, label: str, source: str | None) -> Expression | None:
        if source is None:
            return None
        try:
            expression = parse_condition(source)
            check_types(expression, self.variables, self.data["nodes"])
        except ConditionError as error:
            self.report((*where, "when"), f"{label}: when: {error}")
            return None
        return expression

    def effects(self, where: DataPath, label: str, data: dict[str, Any]) -> Effects:
        for kind in ("set", "add"):
            if COUNTRY in data.get(kind, {}):
                path = (*where, "effects", kind, COUNTRY)
                self.report(path, f"{label}: effects.{kind}: `{COUNTRY}` is built in and read-only")
        for name, value in data.get("set", {}).items():
            path = (*where, "effects", "set", name)
            if name == COUNTRY:
                continue
            if name not in self.declared:
                self.report(path, f"{label}: effects.set: unknown variable `{name}`")
            elif type(value) is not type(self.declared[name]):
                kind = a_type_name(type(self.declared[name]))
                self.report(
                    path,
                    f"{label}: effects.set: `{name}` is {kind} variable and cannot be set to "
                    f"{render_value(value)} ({type_name(type(value))})",
                )
        for name in data.get("add", {}):
            path = (*where, "effects", "add", name)
            if name == COUNTRY:
                continue
            if name not in self.declared:
                self.report(path, f"{label}: effects.add: unknown variable `{name}`")
            elif type(self.declared[name]) is not int:
                kind = a_type_name(type(self.declared[name]))
                self.report(
                    path,
                    f"{label}: effects.add: `{name}` is {kind} variable; "
                    "`add` works only on integer variables",
                )
        return Effects(
            MappingProxyType(dict(data.get("set", {}))), MappingProxyType(dict(data.get("add", {})))
        )

    def report_findings(self, findings: GraphFindings) -> None:
        nodes: dict[str, Any] = self.data["nodes"]

        def choice_path(node_id: str, choice_id: str) -> DataPath:
            ids = [choice["id"] for choice in nodes[node_id]["choices"]]
            return ("nodes", node_id, "choices", ids.index(choice_id))

        if findings.too_many_states:
            self.report(
                ("start",),
                f"the case has more than {MAX_STATES} states (node, variables, visited nodes) "
                "to explore; use fewer variables or keep integer variables within a small range",
                TOP_LEVEL,
            )
        for node_id in findings.unreachable:
            self.report(("nodes", node_id), "unreachable: no path from `start` leads here")
        for node_id, choice_id in findings.never_offered:
            self.report(
                choice_path(node_id, choice_id),
                f"choice `{choice_id}` is never offered: its condition is false every time "
                "the case reaches this node",
            )
        for node_id, situation in findings.stuck:
            when = f" when {situation}" if situation else ""
            self.report(("nodes", node_id), f"the case gets stuck here: no choice is offered{when}")
        for node_id in findings.no_way_out:
            self.report(
                ("nodes", node_id),
                "no ending can be reached from here: a cycle with no way out",
            )
        for node_id, choice_id in findings.point_cycles:
            self.report(
                choice_path(node_id, choice_id),
                f"choice `{choice_id}` earns points on a cycle; a cycle must earn no points",
            )
        if findings.country_maximum:
            self.report(
                ("start",),
                "the maximum score differs by country ("
                + ", ".join(f"'{c}'" for c in findings.country_maximum)
                + " differ from no country): give country variants of an option the same points",
                TOP_LEVEL,
            )
        for dimension in findings.zero_dimensions:
            self.report(
                ("dimensions", dimension),
                f"dimensions.{dimension}: no path earns points in this dimension "
                "(its maximum is 0)",
            )

    def case(self, nodes: dict[str, Node], analysis: Analysis) -> Case:
        data = self.data
        return Case(
            id=data["id"],
            version=data["version"],
            title=data["title"],
            summary=data["summary"],
            modules=tuple(data["modules"]),
            setting=data["setting"],
            learner_role=data["learner_role"],
            minutes=data["minutes"],
            content_note=data["content_note"],
            critical_cap=float(data["critical_cap"]),
            pass_mark=float(data.get("pass_mark", DEFAULT_PASS_MARK)),
            dimensions=MappingProxyType({k: v["label"] for k, v in data["dimensions"].items()}),
            indicators=MappingProxyType(
                {k: v["label"] for k, v in data.get("indicators", {}).items()}
            ),
            sources=tuple(Source(**source) for source in data["sources"]),
            variables=MappingProxyType(dict(self.variables)),
            start=data["start"],
            nodes=MappingProxyType(nodes),
            source_path=self.path,
            decision_node_count=sum(1 for node in nodes.values() if not node.is_ending),
            ending_node_ids=tuple(node.id for node in nodes.values() if node.is_ending),
            analysis=analysis,
            texts=collect_texts(self.document),
            country_notes=tuple(data.get("country_notes", ())),
        )
