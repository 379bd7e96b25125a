"""The rules' lock-free cached_property: computed once per instance, then an attribute."""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.rules._cached import cached_property


@dataclass
class Counter:
    calls: list[str] = field(default_factory=list)

    @cached_property
    def value(self) -> int:
        """The number of calls so far."""
        self.calls.append("value")
        return len(self.calls)


def test_computed_on_first_access_only_and_per_instance() -> None:
    first, second = Counter(), Counter()
    assert first.calls == []
    assert (first.value, first.value) == (1, 1)
    assert first.calls == ["value"]
    assert second.value == 1 and second.calls == ["value"]
    assert first.__dict__["value"] == 1  # kept as an instance attribute


def test_the_class_attribute_is_the_descriptor_with_its_doc() -> None:
    assert isinstance(Counter.value, cached_property)
    assert Counter.value.__doc__ == "The number of calls so far."
