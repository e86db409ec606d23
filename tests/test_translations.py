"""Every user-facing Vietnamese string goes through gettext, and the English catalogues translate all of them.

Vietnamese is the source language: the scan looks for Vietnamese letters outside {% translate %},
{% blocktranslate %}, _("…") and the gettext family (in the project's scripts: gettext and ngettext, from Django's
JavaScript catalogue). What stays Vietnamese on purpose is listed below, each
with its reason: the official documents (PDFs, the Excel workbook), texts stored with the data they describe,
and words the code reads back from what people typed.
"""

import ast
import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.template.base import DebugLexer, TokenType

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ROOT / "locale" / "en" / "LC_MESSAGES"
VIETNAMESE = re.compile("[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.IGNORECASE)
GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy", "ngettext", "ngettext_lazy"}
APPS = ("criteria", "wards", "reports", "modelphuong")
MAKEMESSAGES_IGNORE = (".venv", "node_modules", "var", "bench", "tests")
DOMAINS = ("django", "djangojs")  # the templates and Python code; static/js

# Templates that are documents or stored texts, not pages.
TEMPLATES_LEFT_VIETNAMESE = {
    "pdf": "official documents, Vietnamese only",
    "wards/notifications": "the notification texts are stored with the notification, in Vietnamese",
}
# Whole modules that build official documents.
MODULES_LEFT_VIETNAMESE = {
    "reports/documents.py": "the PDF dossier and province report",
    "reports/charts.py": "the charts of the province report",
    "reports/issued.py": "the decision and the signed dossier: official papers, and their signature's reason",
    "wards/collation.py": "the Vietnamese alphabet, for sorting",
    "wards/people_sheet.py": "the people workbook: a form the province fills and the import reads back",
    "wards/management/commands/assessment_summary.py": "an administrator's command-line summary",
    "wards/management/commands/import_divisions.py": "an administrator's command",
    "wards/management/commands/open_year.py": "an administrator's command",
    "wards/management/commands/setup_province.py": "an administrator's command",
    "wards/management/commands/rescore.py": "an administrator's command",
    "wards/services/divisions.py": "reads the Vietnamese reference data and reports to the import command",
}
# Single texts, as the scan sees them (an f-string's fields read "{}").
TEXTS_LEFT_VIETNAMESE = {
    # Stored texts: audit targets and values, round snapshots, job errors, the ZIP manifest. They are the same
    # for every reader (written under the site's language, modelphuong/language.py), so they are not looked up.
    "wards/services/audit.py": {"Trạng thái hồ sơ"},
    "wards/services/entry.py": {"Chỉ tiêu {} — {}", "Kết quả thực hiện {}", "Minh chứng {}"},
    "wards/services/verdicts.py": {"Kết luận {}"},
    "wards/services/transitions.py": {"Mở lại hồ sơ", "{} (vòng {}). Lý do: {}"},
    # and the signer's authority line, printed on the signed decision
    "wards/services/issuing.py": {"Quyết định", "{} số {} (mã tra cứu {})", "GIÁM ĐỐC", "KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC"},
    "wards/services/rounds.py": {
        "(cần kết luận lại: phường đã sửa tiêu chí này)",
        "(trống)",
        "Kết luận {}",
    },
    "reports/tasks.py": {
        "Không xuất được tệp vì một lỗi của hệ thống. Lỗi đã được ghi lại cho quản trị viên; hãy bấm “Chạy lại”.",
        "Không xuất được tệp: máy chủ thiếu phông chữ của mẫu in, tệp sẽ sai phông. Lỗi đã được ghi lại cho "
        "quản trị viên; hãy bấm “Chạy lại” khi phông chữ đã được cài lại.",
        "Không xuất được tệp: một dịch vụ của hệ thống tạm thời không trả lời (đã thử {tries} lần). "
        "Hãy bấm “Chạy lại” sau ít phút.",
        "Quá thời gian xuất tệp (giới hạn 4 phút).",
        "Không ký số được văn bản: {reason} Hãy báo quản trị viên, rồi bấm “Chạy lại”.",
    },
    "reports/services.py": {
        "Phường {}: tệp không còn trên máy chủ, hãy xuất lại",
        "Phường {}: {}",
        "Tệp ZIP này thiếu {} trên {} hồ sơ của {}, năm {}:",
        "bị lỗi",
    },
    # The visible signature is part of the signed document.
    "reports/signing.py": {"Ký bởi: %(signer)s\n%(title)s\nThời gian ký: %(ts)s"},
    # The words a person may type for yes/no, and how a stored value reads in the history (stored too).
    "wards/parsing.py": {"(trống)", "Có", "Không", "có", "không", "Số {}"},
    # The regular expression of a decision number.
    "wards/services/transitions.py#re": {r"\d{1,6}/QĐ(-[A-ZĐ0-9]{1,20}){1,4}"},
    # The Excel workbook is a form the ward fills and the import reads back: its texts stay Vietnamese.
    "wards/excel.py": {
        '"Có,Không"',
        "Bộ tiêu chí: {}",
        "Chỉ điền vào các ô nền vàng. Có/Không: chọn trong danh sách. Số: số nguyên không âm. Ô «Không có đối "
        "tượng»: ghi x. Không đổi mã chỉ tiêu, không thêm hay xoá dòng.",
        "Có",
        "Có/Không",
        "Giá trị không hợp lệ cho ô này.",
        "Không",
        "Không có đối tượng (x)",
        "Lý do bất khả kháng",
        "Lý do không áp dụng",
        "Mã chỉ tiêu",
        "Năm trước",
        "Nội dung chỉ tiêu",
        "Phường {} (mã {}) — {} — năm {}",
        "SỐ LIỆU ĐÁNH GIÁ CÔNG AN PHƯỜNG ĐIỂN HÌNH, KIỂU MẪU VỀ ANTT VÀ VĂN MINH ĐÔ THỊ",
        "Số liệu",
        "Số liệu không hợp lệ",
        "Số lượng (năm nay)",
        "Số đạt (tử số)",
        "Tiêu chí",
        "Trong đó bất khả kháng",
        "Tổng số (mẫu số)",
        "Yêu cầu",
    },
}


def _template_paths():
    for path in sorted((ROOT / "templates").rglob("*")):
        relative = path.relative_to(ROOT / "templates").as_posix()
        if (
            path.is_file()
            and path.suffix in (".html", ".txt")
            and not relative.startswith(tuple(TEMPLATES_LEFT_VIETNAMESE))
        ):
            yield relative, path


def unwrapped_in_template(source: str) -> list[str]:
    """The pieces of a template holding Vietnamese outside the translate tags and _("…") literals."""
    found, in_block, in_comment = [], False, False
    for token in DebugLexer(source).tokenize():
        contents = token.contents.strip()
        if token.token_type == TokenType.BLOCK:
            name = contents.split()[0] if contents else ""
            if name == "blocktranslate" or name == "blocktrans":
                in_block = True
            elif name in ("endblocktranslate", "endblocktrans"):
                in_block = False
            elif name == "comment":
                in_comment = True
            elif name == "endcomment":
                in_comment = False
            elif name not in ("translate", "trans") and VIETNAMESE.search(re.sub(r'_\("[^"]*"\)', "", contents)):
                found.append(contents)
        elif token.token_type == TokenType.VAR:
            if VIETNAMESE.search(re.sub(r'_\("[^"]*"\)', "", contents)):
                found.append(contents)
        elif token.token_type == TokenType.TEXT and not (in_block or in_comment) and VIETNAMESE.search(contents):
            found.append(contents[:80])
    return found


def _literal_text(node) -> str:
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def unwrapped_in_module(source: str) -> list[str]:
    """Vietnamese string literals outside gettext calls, docstrings and __str__ (an object's name in the admin)."""
    tree = ast.parse(source)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }

    def exempt(node) -> bool:
        parent = parents.get(id(node))
        while parent is not None:
            if isinstance(parent, ast.Call):
                func = parent.func
                if (func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)) in GETTEXT:
                    return True
            if isinstance(parent, ast.FunctionDef) and parent.name == "__str__":
                return True
            parent = parents.get(id(parent))
        return False

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) in docstrings or isinstance(parents.get(id(node)), ast.JoinedStr):
                continue
        elif not isinstance(node, ast.JoinedStr):
            continue
        text = _literal_text(node)
        if VIETNAMESE.search(text) and not exempt(node):
            found.append(text)
    return found


def _module_paths():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" not in relative and relative not in MODULES_LEFT_VIETNAMESE:
                yield relative, path


_JS_TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')""", re.DOTALL
)
_JS_GETTEXT = re.compile(r"\bn?gettext\(\s*(@\d+@)(?:\s*,\s*(@\d+@))?")


def unwrapped_in_script(source: str) -> list[str]:
    """The Vietnamese string literals of a script that are not the text of a gettext(…) or ngettext(…) call."""
    strings: list[str] = []

    def mark(match):
        if match.group("comment"):
            return " "
        strings.append(ast.literal_eval(match.group("string")))
        return f"@{len(strings) - 1}@"

    code = _JS_TOKEN.sub(mark, source)
    wrapped = {int(m.strip("@")) for call in _JS_GETTEXT.finditer(code) for m in call.groups() if m}
    return [text for n, text in enumerate(strings) if n not in wrapped and VIETNAMESE.search(text)]


def test_the_scan_finds_an_unwrapped_script_string_and_passes_a_wrapped_one():
    source = (
        '// "Chú thích" in a comment\n'
        'var a = "Lưu", b = gettext("Lưu"), c = ngettext("%(n)s ô", "%(n)s ô", n), d = \'Đã "xoá"\';\n'
        'show(interpolate(gettext("Còn %(n)s ngày"), {n: n}, true) + " " + "Hãy thử lại.");'
    )
    assert unwrapped_in_script(source) == ["Lưu", 'Đã "xoá"', "Hãy thử lại."]


@pytest.mark.parametrize("path", sorted((ROOT / "static").rglob("*.js")), ids=lambda p: p.name)
def test_scripts_hold_no_unwrapped_vietnamese(path):
    assert unwrapped_in_script(path.read_text(encoding="utf-8")) == []


def test_the_scan_finds_an_unwrapped_template_string_and_passes_a_wrapped_one():
    assert unwrapped_in_template('<p title="Tải lên">{% translate "Lưu" %}</p>') == ['<p title="Tải lên">']
    assert unwrapped_in_template('{{ x|default:"(trống)" }}') == ['x|default:"(trống)"']
    assert (
        unwrapped_in_template(
            '{% load i18n %}<p title="{% translate "Lưu" %}">{% blocktranslate %}Năm {{ y }}{% endblocktranslate %}'
            '{{ x|default:_("(trống)") }}</p>{# chú thích #}'
        )
        == []
    )


def test_the_scan_finds_an_unwrapped_python_string_and_passes_a_wrapped_one():
    source = (
        '"""Tài liệu."""\n'
        "from django.utils.translation import gettext as _\n"
        'A = "Đạt"\n'
        'def f(x):\n    return f"Còn {x} ngày", _("Lưu"), _("Còn %(x)s ngày") % {"x": x}\n'
        'class M:\n    def __str__(self):\n        return "Phường"\n'
    )
    assert unwrapped_in_module(source) == ["Đạt", "Còn {} ngày"]


@pytest.mark.parametrize("name, path", list(_template_paths()), ids=lambda v: v if isinstance(v, str) else "")
def test_templates_hold_no_unwrapped_vietnamese(name, path):
    assert unwrapped_in_template(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name, path", list(_module_paths()), ids=lambda v: v if isinstance(v, str) else "")
def test_python_modules_hold_no_unwrapped_vietnamese(name, path):
    allowed = TEXTS_LEFT_VIETNAMESE.get(name, set()) | TEXTS_LEFT_VIETNAMESE.get(f"{name}#re", set())
    assert [text for text in unwrapped_in_module(path.read_text(encoding="utf-8")) if text not in allowed] == []


def test_every_text_left_vietnamese_is_still_there():
    """The list above names what the code holds: a text wrapped or removed since leaves it."""
    stale = {}
    for key, texts in TEXTS_LEFT_VIETNAMESE.items():
        found = set(unwrapped_in_module((ROOT / key.removesuffix("#re")).read_text(encoding="utf-8")))
        if texts - found:
            stale[key] = texts - found
    assert stale == {}


def _entries(po: str):
    """(msgid, msgstr, flags) of each entry of a .po file, the header left out."""
    for block in po.split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, key = {}, None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            yield fields["msgid"], fields.get("msgstr", fields.get("msgstr[0]", "")), flags


@pytest.mark.parametrize(("domain", "at_least"), [("django", 400), ("djangojs", 15)])
def test_the_english_catalogue_translates_every_entry(domain, at_least):
    entries = list(_entries((ENGLISH / f"{domain}.po").read_text(encoding="utf-8")))
    assert len(entries) > at_least
    assert [msgid for msgid, msgstr, flags in entries if not msgstr or "fuzzy" in flags] == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_english_catalogue_is_compiled_from_its_source(tmp_path, domain):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("GNU gettext (msgfmt) is not installed")
    compiled = tmp_path / f"{domain}.mo"
    subprocess.run([msgfmt, "--check", "-o", compiled, ENGLISH / f"{domain}.po"], check=True)
    with compiled.open("rb") as fresh, (ENGLISH / f"{domain}.mo").open("rb") as committed:
        assert gettext.GNUTranslations(committed)._catalog == gettext.GNUTranslations(fresh)._catalog


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The English catalogues as makemessages makes them from a copy of the project (both domains)."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path_factory.mktemp("project")
    ignore = shutil.ignore_patterns("__pycache__", *MAKEMESSAGES_IGNORE)
    for name in (*APPS, "demo", "templates", "static", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy(ROOT / "manage.py", copy / "manage.py")
    arguments = [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORE]
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-d", domain, "-l", "en", *arguments],
            cwd=copy,
            check=True,
            capture_output=True,
        )
    return copy / "locale" / "en" / "LC_MESSAGES"


@pytest.mark.parametrize("domain", DOMAINS)
def test_makemessages_adds_no_untranslated_entry(extracted, domain):
    """makemessages, run on a copy of the project, finds nothing the English catalogue does not translate."""
    entries = list(_entries((extracted / f"{domain}.po").read_text(encoding="utf-8")))
    assert entries
    assert [msgid for msgid, msgstr, flags in entries if not msgstr or "fuzzy" in flags] == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_makemessages_still_finds_every_text_the_catalogue_translates(extracted, domain):
    """A text the code still shows but makemessages no longer finds (a gettext call inside an f-string, which
    xgettext does not read) would leave the catalogue at the next update: the page would turn Vietnamese."""
    committed = {msgid for msgid, _msgstr, _flags in _entries((ENGLISH / f"{domain}.po").read_text(encoding="utf-8"))}
    found = {msgid for msgid, _msgstr, _flags in _entries((extracted / f"{domain}.po").read_text(encoding="utf-8"))}
    assert sorted(committed - found) == []


def test_every_field_of_the_apps_models_has_a_vietnamese_name():
    """The admin labels fields by their verbose names: one Django makes up from the field's name ("Ward",
    "Criteria set") is English on a Vietnamese page."""
    from django.apps import apps

    made_up = []
    for app in ("criteria", "wards", "reports"):
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                if not field.concrete or field.auto_created:
                    continue
                if str(field.verbose_name) == field.name.replace("_", " "):
                    made_up.append(f"{model._meta.label}.{field.name}")
    assert made_up == []
