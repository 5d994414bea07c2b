"""The greatshot plugin registers, can be switched off, and claims nothing it does not do yet."""

from slomix.testing.placeholders import check_placeholder


def test_registers_without_pretending_and_switches_off() -> None:
    check_placeholder("greatshot")
