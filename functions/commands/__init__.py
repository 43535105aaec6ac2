"""The operator verbs of ``jifen`` (scenario, verify, settlement), one module each.

:mod:`functions.cli` holds their parsers and imports a verb's module only when it runs;
each exposes functions of the parsed namespace returning the exit code. The verbs that
run the system locally (demo, dev, bot) are in the ``local`` package.
"""
