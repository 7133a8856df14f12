"""The vendor mappers as they were before the per-row speed-ups (commit b0fb331), kept
verbatim (only imports adjusted) as the reference ``test_mapping_reference`` holds the
current mappers to; ``providers._coerce``, which the speed-ups left alone, is shared.
Not used by anything else; never edit them to follow new code."""
