"""The one error every importer raises: nothing was written, and the message says where."""


class ImportRefused(Exception):
    """The source cannot be imported; nothing was written. The message says where and why."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
