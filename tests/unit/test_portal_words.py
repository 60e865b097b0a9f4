"""Every language file says everything, and every problem code the API can answer with has a
sentence in each: a new code without one fails here, not in front of a citizen."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from chalicelib.api.errors import PYDANTIC_CODES
from chalicelib.domain import errors
from infrastructure.portal_site import PAGES, languages

ROOT = Path(__file__).resolve().parents[2]
# Calls that give a field problem its code, and where the code is: (positional index, keyword).
CODE_ARGUMENT = {
    "FieldProblem": (2, "code"),
    "single": (2, "code"),
    "PydanticCustomError": (0, None),
    "TransitionForbidden": (99, "field_code"),  # keyword only
}


def texts(code: str) -> dict[str, str]:
    loaded: dict[str, str] = json.loads((PAGES / "i18n" / f"{code}.json").read_text("utf-8"))
    return loaded


def field_problem_codes() -> set[str]:
    """Pydantic's codes as the API names them, and every code our own code gives a problem
    (read from the source: a literal, or either side of a conditional, or a name assigned one)."""
    found = set(PYDANTIC_CODES.values()) | {"wrong_type", "invalid", "not_now"}
    constants: dict[str, list[ast.expr]] = {}
    modules = [ast.parse(p.read_text("utf-8")) for p in (ROOT / "chalicelib").rglob("*.py")]
    for module in modules:  # module constants (NEEDS_TEXT = "needs_text"), wherever used
        for node in module.body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                constants.setdefault(node.targets[0].id, []).append(node.value)
    for module in modules:
        for function in ast.walk(module):
            if isinstance(function, ast.FunctionDef):
                found |= _codes_given_in(function, constants)
    return found


def _codes_given_in(function: ast.FunctionDef, constants: dict[str, list[ast.expr]]) -> set[str]:
    assigned: dict[str, list[ast.expr]] = {k: list(v) for k, v in constants.items()}
    for node in ast.walk(function):
        target = node.targets[0] if isinstance(node, ast.Assign) else None
        if isinstance(node, ast.Assign) and isinstance(target, ast.Name):
            assigned.setdefault(target.id, []).append(node.value)
    found: set[str] = set()
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name not in CODE_ARGUMENT:
            continue
        index, keyword = CODE_ARGUMENT[name]
        given = [k.value for k in node.keywords if k.arg == keyword]
        if len(node.args) > index:
            given.append(node.args[index])
        found |= {code for expr in given for code in _strings(expr, assigned)}
    return found


def _strings(expr: ast.expr, assigned: dict[str, list[ast.expr]]) -> set[str]:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return {expr.value}
    if isinstance(expr, ast.IfExp):
        return _strings(expr.body, assigned) | _strings(expr.orelse, assigned)
    if isinstance(expr, ast.Name):
        return {s for value in assigned.get(expr.id, []) for s in _strings(value, assigned)}
    return set()


def error_codes() -> set[str]:
    def subclasses(cls: type) -> set[type]:
        return {cls} | {s for sub in cls.__subclasses__() for s in subclasses(sub)}

    return {c.code for c in subclasses(errors.DomainError)} - {"error", "validation_failed"}


def test_the_codes_found_include_those_the_form_meets():
    codes = field_problem_codes()
    for code in (
        "required",
        "too_short",
        "bad_format",
        "not_a_topic",
        "consent_required",
        "consent_text_changed",
        "needs_email_for_email_updates",
        "needs_text",
        "needs_phone_for_phone_updates",
        "coordinates_in_pairs",
        "not_a_district",
        "not_json",
        "too_deep",
        "not_an_object",
    ):
        assert code in codes


@pytest.mark.parametrize("language", [lang["code"] for lang in languages()])
def test_every_language_has_every_text_and_a_sentence_for_every_code(language):
    english = texts("en")
    own = texts(language)
    assert sorted(set(english) - set(own)) == []
    assert sorted(set(own) - set(english)) == []
    assert [k for k, v in own.items() if not v.strip()] == []
    assert sorted(c for c in field_problem_codes() if f"problem.{c}" not in own) == []
    assert sorted(c for c in error_codes() if f"error.{c}" not in own) == []
    # Placeholders survive translation: "{n}" in English is "{n}" in every language.
    for key, text in english.items():
        assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", own[key])), key


def test_the_language_list_is_made_from_the_folder_english_first(tmp_path):
    (tmp_path / "i18n").mkdir()
    for code, name in (("ru", "Русский"), ("en", "English"), ("de", "Deutsch")):
        (tmp_path / "i18n" / f"{code}.json").write_text(json.dumps({"lang.name": name}))
    assert [lang["code"] for lang in languages(tmp_path)] == ["en", "de", "ru"]


def test_the_local_stack_serves_by_name_exactly_what_a_deploy_writes():
    from infrastructure.portal_site import MADE, generated

    assert set(generated()) == MADE
