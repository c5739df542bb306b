"""Scheduled exports, one concern per module:

* ``rules``: the rrule a schedule may have, and when it next runs (pretix's DST rule);
* ``form_data``, ``validation``: a schedule's fields checked with pretix's messages;
* ``access``: which schedules a token sees and may change;
* ``claim``: taking a due schedule exactly once, whichever worker looks first;
* ``runner``: the housekeeping step: claim, start the export, follow it, hand over the mail;
* ``delivery``, ``mailer``, ``links``: the mail, how it is sent, and links to big files.

A run is an ordinary export (``service.jobs.start_export``): it waits its turn in the token's
line, obeys the time limit and expires like any other.
"""
