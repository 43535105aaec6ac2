"""Local tooling, never in a Lambda artifact: the embedded DynamoDB endpoint, ``jifen dev``,
the demo, ``jifen bot`` (long polling) and the Lambda event and context fakes that tests,
the dev server and the demo share.

Everything here wires the same composition root the functions use
(:mod:`functions.runtime`), with explicit settings and an explicit endpoint; nothing
in ``functions/`` or ``bot/`` imports this package (``tests/unit/test_template.py``
builds the artifact and imports every module of it with ``local`` out of reach).
"""
