"""Login through login.gov.pl (Węzeł Krajowy): a SAML 2.0 service provider and its local stand-in.

- ``saml``: the messages (AuthnRequest with the eIDAS extensions, ArtifactResolve over SOAP,
  LogoutRequest), signed ECDSA-SHA256 with the shared XML-DSig code of the letters package,
  and the checks of what the node answers.
- ``xmlenc``: the EncryptedAssertion as the node sends it (ECDH-ES on P-256, ConcatKDF with
  SHA-256, AES key wrap, AES-GCM), on ``cryptography``'s primitives.
- ``config``: entity id, keys and node URLs from settings (production, integration, the national
  simulator, or the local one).
- ``simulator``: the local identity provider (``manage.py logingovpl_simulator``).

What a verified identity *does* to an account lives in podkowa/accounts/services/login_gov.py.
"""
