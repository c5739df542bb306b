"""The answer columns of the positions sheet, as pretix's order list lays them out: one per
question, except that a multiple-choice question gets one per option ("Question – Option",
"Yes"/"No") unless ``group_multiple_choice`` asks for its chosen options in one column."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.models import Question, QuestionOption

MULTIPLE_CHOICE = "M"


@dataclass(frozen=True)
class AnswerColumn:
    id: int  # the question
    question: str  # the column's title
    option_id: int | None = None


def answer_columns(session: Session, event_ids: list[int], grouped: bool) -> list[AnswerColumn]:
    questions = session.execute(
        select(Question.id, Question.question, Question.type)
        .where(Question.event_id.in_(event_ids))
        .order_by(Question.event_id, Question.position, Question.id)
    ).all()
    multiple = [q.id for q in questions if q.type == MULTIPLE_CHOICE]
    options: dict[int, list] = {q: [] for q in multiple}
    if multiple and not grouped:
        for option in session.execute(
            select(QuestionOption.id, QuestionOption.question_id, QuestionOption.answer)
            .where(QuestionOption.question_id.in_(multiple))
            .order_by(QuestionOption.question_id, QuestionOption.position, QuestionOption.id)
        ):
            options[option.question_id].append(option)
    columns = []
    for q in questions:
        if q.type == MULTIPLE_CHOICE and not grouped:
            columns += [
                AnswerColumn(q.id, f"{q.question} – {o.answer}", o.id) for o in options[q.id]
            ]
        else:
            columns.append(AnswerColumn(q.id, q.question))
    return columns


def answer_cells(column: AnswerColumn, values) -> list:
    """A batch of one answer column as the sheet shows it."""
    if column.option_id is None:
        return values
    return ["Yes" if value else "No" for value in values]
