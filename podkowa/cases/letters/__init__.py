"""Letters through the national channels (ePUAP, e-Doręczenia): pure modules, no models.

- ``document``: the standard "Pismo ogólne do podmiotu publicznego" (CRD 2013/12/12/1410),
  built from and parsed into a typed ``GeneralLetter``;
- ``signing``: enveloped XML-DSig with XAdES-BES signed properties, and its verifier;
- ``receipts``: the official receipts (UPP/UPD) and delivery evidences as a ``Receipt``;
- ``transports``: the ePUAP (SOAP + WS-Security) and e-Doręczenia (REST + OIDC client assertion)
  clients behind one ``LetterTransport`` interface;
- ``simulators``: local stand-ins for both national services, for development and tests.

The Letter model and the views of a later round are a thin layer over these.
"""
