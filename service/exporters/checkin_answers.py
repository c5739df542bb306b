"""Answers as pretix's check-in exports show them (``format_answer_for_export``): a choice
by the texts of the chosen options, in the options' order (the stored text where the store
knows no options); dates and times as given; yes/no
questions as "Yes"/"No", a file as ``<file>``, a country by its name; other answers as
given. An add-on's own answers take precedence over those of its parent ticket."""

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store import queries
from ..store.models import Question, QuestionAnswer, QuestionOption, answer_options
from .countries import country_name

CHOICES = ("C", "M")
FILE, BOOLEAN, COUNTRY = "F", "B", "CC"
BOOLEANS = {"True": "Yes", "False": "No"}


def answer_text(kind: str, answer: str, options: list[str]) -> str:
    if kind in CHOICES and options:
        return ", ".join(options)
    if kind == FILE:
        return "<file>"
    if kind == BOOLEAN:
        return BOOLEANS.get(answer, answer)
    if kind == COUNTRY and answer:
        return country_name(answer)
    return answer


def _chosen_options(session: Session, answer_ids: list[int]) -> dict[int, list[str]]:
    chosen: dict[int, list[str]] = defaultdict(list)
    if not answer_ids:
        return chosen
    for answer_id, text in session.execute(
        select(answer_options.c.answer_id, QuestionOption.answer)
        .join(QuestionOption, QuestionOption.id == answer_options.c.option_id)
        .where(queries.id_in(session, answer_options.c.answer_id, answer_ids))
        .order_by(answer_options.c.answer_id, QuestionOption.position, QuestionOption.id)
    ):
        chosen[answer_id].append(text)
    return chosen


def answers_of(
    session: Session, positions: list[tuple[int, int | None]], question_ids: list[int]
) -> dict[int, dict[int, str]]:
    """Position id → question id → the answer's text, for (position id, parent id) pairs."""
    if not question_ids or not positions:
        return {}
    wanted = {p for p, _ in positions} | {parent for _, parent in positions if parent}
    rows = session.execute(
        select(
            QuestionAnswer.id,
            QuestionAnswer.position_id,
            QuestionAnswer.question_id,
            QuestionAnswer.answer,
            Question.type,
        )
        .join(Question, Question.id == QuestionAnswer.question_id)
        .where(
            queries.id_in(session, QuestionAnswer.position_id, wanted),
            QuestionAnswer.question_id.in_(question_ids),
        )
    ).all()
    chosen = _chosen_options(session, [r.id for r in rows if r.type in CHOICES])
    given: dict[int, dict[int, str]] = defaultdict(dict)
    for row in rows:
        text = answer_text(row.type, row.answer, chosen.get(row.id, []))
        given[row.position_id][row.question_id] = text
    return {
        position: {**given.get(parent, {}), **given.get(position, {})}
        for position, parent in positions
    }
