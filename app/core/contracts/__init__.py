"""Contracts: what the messages of a connection must look like, and the check of each message against it.

A contract is a JSON Schema (drafts 2020-12, 2019-09, 07; `$ref` across local files) or an
AsyncAPI 2.6 or 3.0 document. `loading.load_contract` reads either; the result checks one
parsed message at a time and says which violations it has, each with a JSONPath. Nothing here
imports Qt: the commands use it headless and the window off its GUI thread.
"""
