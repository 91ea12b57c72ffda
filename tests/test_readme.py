"""README.md and README.zh-CN.md: tables that must match the code, and the two kept in step."""

import json
import re

import pytest

from opendb.metadata import METADATA_KEYS, META_PREFIX, REQUIRED
from opendb.retry import CODES
from opendb.settings import VARIABLES
from packaged import POLICY, ROOT, load_template

ENGLISH = ROOT / "README.md"
CHINESE = ROOT / "README.zh-CN.md"

# Section titles by language, for the sections whose tables the tests read.
TITLES = {
    "settings": {ENGLISH: "Settings", CHINESE: "设置"},
    "metadata": {ENGLISH: "Metadata keys", CHINESE: "元数据键"},
    "troubleshooting": {ENGLISH: "Troubleshooting", CHINESE: "故障排查"},
    "variables": {ENGLISH: "Fill in the variables", CHINESE: "填写变量"},
    "role": {ENGLISH: "Create the role", CHINESE: "创建角色"},
}
YES = {ENGLISH: "yes", CHINESE: "是"}
NO = {ENGLISH: "no", CHINESE: "否"}
EMPTY = {ENGLISH: "(empty)", CHINESE: "（空）"}

BOTH = pytest.mark.parametrize("readme", [ENGLISH, CHINESE], ids=["en", "zh-CN"])


def prose_lines(path):
    """Return the lines outside fenced code blocks."""
    lines = []
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def headings(path):
    found = []
    for line in prose_lines(path):
        match = re.match(r"^(#+) (.+)$", line)
        if match:
            found.append((len(match.group(1)), match.group(2).strip()))
    return found


def section(path, title):
    """Return the prose lines under heading ``title`` up to the next heading of the same or a higher level."""
    lines = prose_lines(path)
    for index, line in enumerate(lines):
        match = re.match(r"^(#+) (.+)$", line)
        if match and match.group(2).strip() == title:
            level = len(match.group(1))
            body = []
            for following in lines[index + 1:]:
                next_heading = re.match(r"^(#+) ", following)
                if next_heading and len(next_heading.group(1)) <= level:
                    break
                body.append(following)
            return body
    raise AssertionError(f"{path.name} has no heading {title!r}")


def first_table(lines):
    """Return the rows of the first Markdown table in ``lines``, without its header and rule."""
    block = []
    for line in lines:
        if line.startswith("|"):
            block.append(line)
        elif block:
            break
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in block]
    assert len(cells) >= 2, "no table found"
    assert all(set(cell) == {"-"} for cell in cells[1]), f"second row {cells[1]} is not a header rule"
    return cells[2:]


def unquote(cell):
    return cell.strip("`")


def table(readme, key):
    return first_table(section(readme, TITLES[key][readme]))


def test_readmes_same_structure():
    english = [level for level, _ in headings(ENGLISH)]
    chinese = [level for level, _ in headings(CHINESE)]
    assert english == chinese


@pytest.mark.parametrize(("readme", "other"), [(ENGLISH, CHINESE), (CHINESE, ENGLISH)], ids=["en", "zh-CN"])
def test_readme_links_other_at_top(readme, other):
    top = readme.read_text(encoding="utf-8").splitlines()[:4]
    assert any(f"]({other.name})" in line for line in top)


@BOTH
def test_settings_table_lists_variables(readme):
    rows = table(readme, "settings")
    assert [unquote(row[0]) for row in rows] == [variable.name for variable in VARIABLES]


@BOTH
def test_settings_table_defaults(readme):
    for row, variable in zip(table(readme, "settings"), VARIABLES):
        if variable.set_by_fc:
            assert "FC" in row[1], row
        elif variable.default:
            assert row[1] == f"`{variable.default}`", row
        else:
            assert row[1] == EMPTY[readme], row


@BOTH
def test_metadata_table_lists_keys(readme):
    rows = table(readme, "metadata")
    assert [unquote(row[0]) for row in rows] == [META_PREFIX + key for key in METADATA_KEYS.values()]
    assert [row[1] for row in rows] == list(METADATA_KEYS)
    assert [row[2] for row in rows] == [YES[readme] if name in REQUIRED else NO[readme] for name in METADATA_KEYS]


@BOTH
def test_troubleshooting_lists_codes(readme):
    rows = table(readme, "troubleshooting")
    assert [unquote(row[0]) for row in rows] == list(CODES)


@BOTH
def test_troubleshooting_retried_column(readme):
    for row in table(readme, "troubleshooting"):
        expected = YES[readme] if CODES[unquote(row[0])].retryable else NO[readme]
        assert row[1] == expected, row


@BOTH
def test_variables_table_lists_template_vars(readme):
    rows = table(readme, "variables")
    assert [unquote(row[0]) for row in rows] == list(load_template()["vars"])


@BOTH
def test_role_table_lists_placeholders(readme):
    placeholders = set(re.findall(r"<[a-z-]+>", json.dumps(json.loads(POLICY.read_text(encoding="utf-8")))))
    names = [unquote(row[0]) for row in table(readme, "role")]
    assert len(names) == len(set(names))
    assert set(names) == placeholders


def slug(title):
    """Return the anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")


@BOTH
def test_readme_anchors_resolve(readme):
    anchors = {slug(title) for _, title in headings(readme)}
    links = re.findall(r"\]\(#([^)]+)\)", "\n".join(prose_lines(readme)))
    assert links
    for link in links:
        assert link in anchors, f"#{link} matches no heading in {readme.name}"


@BOTH
def test_readme_repository_paths_exist(readme):
    text = "\n".join(prose_lines(readme))
    paths = set(re.findall(r"`((?:deploy|layers)/[\w.-]+)`", text))
    assert "deploy/policy.json" in paths
    for path in paths:
        assert (ROOT / path).exists(), f"{readme.name} names {path}, which does not exist"
