"""``answerfiles``, "Question answer file uploads": a ZIP of the files attendees uploaded
as answers to file questions (``questions`` narrows to some of them), each named
``<EVENT>-<order code>-<position>-<question id>-<file name>`` as pretix names them.

The files come from the disk (``store.answer_files``, filled by ``import-pretix``), one
member at a time; answers whose file was never fetched are left out, as pretix leaves out
files it no longer has. Answers of canceled positions count too, as in pretix.
"""

import zipfile
from pathlib import Path

from sqlalchemy import select

from ..store import answer_files
from ..store.models import Order, OrderPosition, Question, QuestionAnswer
from . import params, register
from .base import EMPTY_EXPORT, BaseExporter, ExportError, ExportFile, ProgressCallback
from .files_in_zip import member_name
from .pdf_documents import ZIP_TYPE
from .writers import RowCounter


@register
class AnswerFilesExporter(BaseExporter):
    identifier = "answerfiles"
    verbose_name = "Question answer file uploads"
    description = "The files attendees uploaded with their answers, in one ZIP file."
    file_stem = "answers"

    def _file_questions(self):
        return self.session.execute(
            select(Question.id, Question.question)
            .where(Question.event_id == self.scope.event.id, Question.type == "F")
            .order_by(Question.position, Question.id)
        ).all()

    def parameter_fields(self) -> dict[str, params.Param]:
        questions = self._file_questions()
        return {
            "questions": params.MultipleChoice(
                [i for i, _ in questions],
                labels=dict(questions),
                listed=False,
                **params.ui("Questions", help="Leave empty for all file questions."),
            )
        }

    def write(self, form: dict, path: Path, progress: ProgressCallback) -> ExportFile:
        event = self.scope.event
        chosen = form.get("questions") or [i for i, _ in self._file_questions()]
        answers = self.session.execute(
            select(
                QuestionAnswer.position_id,
                QuestionAnswer.question_id,
                Order.code,
                OrderPosition.positionid,
            )
            .join(OrderPosition, OrderPosition.id == QuestionAnswer.position_id)
            .join(Order, Order.id == OrderPosition.order_id)
            .where(
                Order.event_id == event.id,
                QuestionAnswer.question_id.in_(chosen),
                QuestionAnswer.file.is_not(None),
            )
            .order_by(Order.code, OrderPosition.positionid, QuestionAnswer.question_id)
        ).all()
        counter = RowCounter(len(answers), progress)
        names: set[str] = set()
        written = 0
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for position_id, question_id, code, positionid in answers:
                counter.tick()
                found = answer_files.stored_file(
                    self.scope.organizer.slug, event.slug, position_id, question_id
                )
                if found is None:
                    continue
                wanted = f"{event.slug.upper()}-{code}-{positionid}-{question_id}-{found.name}"
                archive.write(found, member_name(wanted, names))
                written += 1
        if not written:
            raise ExportError(EMPTY_EXPORT)
        return ExportFile(self.base_filename() + ".zip", ZIP_TYPE)
