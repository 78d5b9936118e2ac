"""Test doubles and rigs that tests/ and bench/ share; never installed with KindWell.

tests/ and bench/ do not import each other (an import contract in pyproject.toml says so): what both
need lives here. Today: a local stand-in for Amazon's request signing (alexa_pki), PulseAudio virtual
devices (virtual_audio), the Korean test model's phrasebook and recordings (voice) and how a
paraphrase case is scored (paraphrases).
"""
