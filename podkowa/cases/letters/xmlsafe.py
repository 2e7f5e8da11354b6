"""Parsing XML that comes from outside: no entities, no DTD fetch, no network, bounded size."""

from django.utils.translation import gettext_lazy as _
from lxml import etree

from .errors import MalformedDocument

# A letter with attachments of a few tens of megabytes is the most the national services carry.
MAX_XML_BYTES = 80 * 1024 * 1024

_PARSER_OPTIONS = dict(
    resolve_entities=False,  # no billion laughs, no external entity reads
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=False,  # signatures must see the document exactly as signed
    remove_pis=False,
)


def parse_xml(data: bytes, *, what: str = "document") -> etree._Element:
    """Parse untrusted XML bytes into an element, or raise MalformedDocument.

    A DOCTYPE is refused outright: none of the national formats uses one, and refusing it is
    simpler than proving every entity trick harmless.
    """
    if not isinstance(data, bytes | bytearray):
        raise MalformedDocument(_("The %(what)s must be given as bytes.") % {"what": what})
    if len(data) > MAX_XML_BYTES:
        raise MalformedDocument(_("The %(what)s is too large.") % {"what": what})
    if not data.strip():
        raise MalformedDocument(_("The %(what)s is empty.") % {"what": what})
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(bytes(data), parser=parser)
    except etree.XMLSyntaxError as exc:
        raise MalformedDocument(
            _("The %(what)s is not well-formed XML (line %(line)s: %(reason)s).")
            % {"what": what, "line": exc.lineno or "?", "reason": exc.msg}
        ) from None
    if root.getroottree().docinfo.doctype:
        raise MalformedDocument(
            _("The %(what)s contains a DOCTYPE declaration, which is not accepted.")
            % {"what": what}
        )
    return root
