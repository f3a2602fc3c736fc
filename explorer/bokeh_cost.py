"""Bokeh's work for each new page, made smaller: the server builds one page per student.

Profiled on the class server (``py-spy``, 20 pages opened one after another), two
things Bokeh does for every page were a fifth of its cost, and neither changes what
the page receives:

* **Checking the document.**  Bokeh runs its validation checks over every model of
  each new document, to log mistakes such as an empty layout (about 23 ms a page on
  the 2-core machine).  Every page here is the same kind of document, so the checks
  run once, in the tests (tests/test_bokeh_cost.py checks a page with every tab made),
  and the server turns them off with Bokeh's own setting, ``BOKEH_VALIDATE_DOC``.
* **Sending a model.**  To send a model, Bokeh sends the properties that were set;
  but it works out the default of every other property first, and throws it away
  (its ``HasProps.query_properties_with_values`` says so in a TODO: "this should
  happen before get_value()").  A default is worked out afresh each time: the
  model's classes are walked for overrides, and the value copied and validated.
  ``send_set_properties_only`` does what the TODO asks: a property that is not
  sent is not read.  A page's document was sent in 36 ms, now in 12.

``lighten()`` does both; the command line calls it once, before serving.  A developer's
own ``BOKEH_VALIDATE_DOC`` wins.  The second leans on Bokeh's internals (3.9 here), so it
is checked against stock Bokeh on a few models first, and left out if they differ.
"""
from __future__ import annotations

import functools
import logging
import os

from bokeh.core.has_props import HasProps
from bokeh.core.property.singletons import Undefined
from bokeh.core.property.wrappers import PropertyValueContainer
from bokeh.settings import settings

_STOCK_QUERY = HasProps.query_properties_with_values


def lighten() -> None:
    """Both changes, for this process (idempotent)."""
    if "BOKEH_VALIDATE_DOC" not in os.environ:
        settings.perform_document_validation.set_value(False)
    send_set_properties_only()


def send_set_properties_only(on: bool = True) -> bool:
    """Models are sent (and ``properties_with_values(include_defaults=False)`` answers)
    without working out the defaults they leave out; ``on=False`` puts Bokeh's back.
    True if it is on: it is not where this Bokeh answers otherwise than its own."""
    on = on and _agrees_with_stock()
    HasProps.query_properties_with_values = _query_set_properties if on else _STOCK_QUERY
    return on


@functools.cache
def _agrees_with_stock() -> bool:
    from bokeh.models import ColumnDataSource, GlyphRenderer, Scatter
    source = ColumnDataSource(data={"x": [1, 2]}, name="nodes")
    scatter = Scatter(x="x", size=12)
    scatter.tags.append("changed")
    models = [source, scatter, GlyphRenderer(data_source=source, glyph=scatter), Scatter()]
    try:
        if all(_query_set_properties(m, _SERIALIZED, include_defaults=False)
               == _STOCK_QUERY(m, _SERIALIZED, include_defaults=False) for m in models):
            return True
    except Exception as error:  # an internal this relies on has changed
        _log.warning("Bokeh's properties are sent its own way (%r)", error)
        return False
    _log.warning("Bokeh's properties are sent its own way: the lighter way differs here")
    return False


def _SERIALIZED(descriptor) -> bool:
    return descriptor.serialized


_log = logging.getLogger(__name__)


def _query_set_properties(self, query, *, include_defaults=True, include_undefined=False):
    """Bokeh's ``HasProps.query_properties_with_values``, for what it sends: the same
    result, with the properties left out decided before their values are read."""
    if include_defaults or include_undefined:
        return _STOCK_QUERY(self, query, include_defaults=include_defaults,
                            include_undefined=include_undefined)
    themed = self.themed_values() or {}
    sent = self._property_values.keys() | self._unstable_default_values.keys() | themed.keys()
    result = {}
    for key in self.properties(_with_props=True):
        descriptor = self.lookup(key)
        if not query(descriptor):
            continue
        if key not in sent:
            if descriptor.property._default is Undefined:
                descriptor.get_value(self)  # a required property never set: Bokeh's error
            continue
        value = descriptor.get_value(self)
        # An unstable default (a fresh list, say) that nobody changed is not sent.
        if key not in themed and isinstance(value, PropertyValueContainer) \
                and key in self._unstable_default_values:
            continue
        result[key] = value
    return result
