"""Proof of liabilities: a daily Merkle sum tree over every member's balances.

Pure like the rules engine (no I/O, no clock, no environment, standard library only),
but kept out of :mod:`functions.rewards`: the engine decides money, this package only
commits to what the table holds, and a member's verifier must be rebuildable from it
without the plan or pydantic. Modules:

* :mod:`.merkle`: encodings, hashes, both trees, paths (docs/proof-of-liabilities.md);
* :mod:`.day`: one day's leaves from members' holdings, proofs, the stored form;
* :mod:`.documents`: the public daily record, a member's proof, verification;
* :mod:`.solvency`: the solvency figures the record publishes.

Reading members, the chain key and the bucket is :mod:`functions.services.proofs`.
"""
