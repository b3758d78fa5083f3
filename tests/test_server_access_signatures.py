"""RFC 9421 HTTP message signatures as the server reads them: the RFC's own Ed25519 example
(Appendix B.2.6, signed with the test key of B.1.4, over the test request of B.2), the
server's policy (time window, nonce, covered components), and any text in the signature
fields refused with a message naming the header — never another exception."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from hypothesis import given
from hypothesis import strategies as st

from treatyline.server.http_signatures import (
    RequestParts,
    SignatureError,
    check_content_digest,
    check_policy,
    content_digest,
    parse_signature,
    sign_request,
    signature_base,
    verify_ed25519,
)

# RFC 9421, Appendix B.1.4: test-key-ed25519
RFC_PRIVATE_KEY = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_PUBLIC_KEY = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
# Appendix B.2: the test request
RFC_BODY = b'{"hello": "world"}'
RFC_REQUEST = RequestParts(
    "POST", "https", "example.com", "/foo", "param=Value&Pet=dog",
    {"host": ["example.com"], "date": ["Tue, 20 Apr 2021 02:07:55 GMT"],
     "content-type": ["application/json"],
     "content-digest": ["sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYll"
                        "u7BNNyealdVLvRwEmTHWXvJwew==:"],
     "content-length": ["18"]})
# Appendix B.2.6: signing a request using ed25519
RFC_SIGNATURE_INPUT = ('sig-b26=("date" "@method" "@path" "@authority" "content-type" '
                       '"content-length");created=1618884473;keyid="test-key-ed25519"')
RFC_SIGNATURE = ("sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w"
                 "6vuQv5lIp5WPpBKRCw==:")
RFC_BASE = """"date": Tue, 20 Apr 2021 02:07:55 GMT
"@method": POST
"@path": /foo
"@authority": example.com
"content-type": application/json
"content-length": 18
"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length")\
;created=1618884473;keyid="test-key-ed25519\""""


def _public_raw() -> bytes:
    return load_pem_public_key(RFC_PUBLIC_KEY).public_bytes(Encoding.Raw, PublicFormat.Raw)


def test_the_rfc_ed25519_example_verifies_and_is_reproduced() -> None:
    signed, signature = parse_signature(RFC_SIGNATURE_INPUT, RFC_SIGNATURE)
    assert (signed.label, signed.param("keyid"), signed.param("created")) == (
        "sig-b26", "test-key-ed25519", 1618884473)
    base = signature_base(signed, RFC_REQUEST)
    assert base.decode() == RFC_BASE
    assert verify_ed25519(_public_raw(), base, signature)
    private = load_pem_private_key(RFC_PRIVATE_KEY, None)
    assert isinstance(private, Ed25519PrivateKey)
    assert private.sign(base) == signature  # Ed25519 is deterministic: the RFC's bytes
    # the same request with another method, path or header value does not verify
    for changed in (RequestParts("PUT", *(getattr(RFC_REQUEST, f) for f in (
            "scheme", "authority", "path", "query", "headers"))),
                    RequestParts("POST", "https", "example.com", "/bar", None,
                                 RFC_REQUEST.headers),
                    RequestParts("POST", "https", "example.com", "/foo", None,
                                 {**RFC_REQUEST.headers, "content-length": ["19"]})):
        assert not verify_ed25519(_public_raw(), signature_base(signed, changed), signature)


def test_the_rfc_content_digest_is_the_body_s() -> None:
    check_content_digest(RFC_REQUEST.headers["content-digest"][0], RFC_BODY)
    check_content_digest(content_digest(RFC_BODY), RFC_BODY)
    with pytest.raises(SignatureError, match="not the body's") as error:
        check_content_digest(content_digest(RFC_BODY), RFC_BODY + b" ")
    assert error.value.place == "header.content-digest"


def test_the_policy_wants_a_recent_signature_with_a_nonce_over_the_request() -> None:
    key = Ed25519PrivateKey.generate()
    now = datetime(2022, 4, 20, 12, tzinfo=UTC)
    created = int(now.timestamp())
    request = RequestParts("GET", "http", "127.0.0.1:8000", "/api/treaties/x/drafts", None,
                           {"host": ["127.0.0.1:8000"]})
    headers = sign_request(key, "0a1b2c3d", request, created=created, nonce="n-0123456789")
    signed, signature = parse_signature(headers["Signature-Input"], headers["Signature"])
    assert check_policy(signed, now, 300, has_body=False) == ("0a1b2c3d", "n-0123456789",
                                                              created)
    assert verify_ed25519(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
                          signature_base(signed, request), signature)
    assert signature_base(signed, request).decode().splitlines()[3] == '"@query": ?'
    for late in (-301, 301):
        with pytest.raises(SignatureError, match="more than 300 s"):
            check_policy(signed, datetime.fromtimestamp(created + late, UTC), 300, False)
    with pytest.raises(SignatureError, match="does not cover content-digest"):
        check_policy(signed, now, 300, has_body=True)
    narrow = sign_request(key, "0a1b2c3d", request, created=created, nonce="n-0123456789",
                          components=["@method"])
    with pytest.raises(SignatureError, match="does not cover @authority, @path, @query"):
        check_policy(parse_signature(narrow["Signature-Input"], narrow["Signature"])[0],
                     now, 300, False)
    no_nonce = headers["Signature-Input"].replace(';nonce="n-0123456789"', "")
    with pytest.raises(SignatureError, match="nonce"):
        check_policy(parse_signature(no_nonce, headers["Signature"])[0], now, 300, False)
    other_alg = headers["Signature-Input"].replace('"ed25519"', '"rsa-pss-sha512"')
    with pytest.raises(SignatureError, match="ed25519 signatures only"):
        check_policy(parse_signature(other_alg, headers["Signature"])[0], now, 300, False)


@pytest.mark.parametrize(("signature_input", "signature", "place", "message"), [
    ('sig1=("@method");created=1', "sig2=:AAAA:", "header.signature", "no signature labelled"),
    ('sig1=("@method" "@method")', "sig1=:AAAA:", "header.signature-input", "covered twice"),
    ('sig1=("@method";req)', "sig1=:AAAA:", "header.signature-input", "parameters"),
    ('sig1=("@method"), sig2=("@path")', "sig1=:AAAA:", "header.signature-input",
     "one signature per request"),
    ('sig1=("@method)', "sig1=:AAAA:", "header.signature-input", "closing quote"),
    ('sig1=("@method")', "sig1=:not base64!:", "header.signature", "not base64"),
    ("Sig1=()", "sig1=:AAAA:", "header.signature-input", "a key"),
])
def test_malformed_signature_fields_are_refused_naming_the_header(
        signature_input: str, signature: str, place: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message) as error:
        parse_signature(signature_input, signature)
    assert error.value.place == place


def test_a_component_the_server_does_not_derive_is_refused() -> None:
    signed, _ = parse_signature('sig1=("@status")', "sig1=:AAAA:")
    with pytest.raises(SignatureError, match="'@status' is not one this server derives"):
        signature_base(signed, RFC_REQUEST)
    signed, _ = parse_signature('sig1=("x-missing")', "sig1=:AAAA:")
    with pytest.raises(SignatureError, match="which the request does not have"):
        signature_base(signed, RFC_REQUEST)


_FIELD_TEXT = st.text(alphabet=st.sampled_from('sig1=()";:@ abcAZ09-,\\\t*.?') |
                      st.characters(), max_size=80)


@given(_FIELD_TEXT, _FIELD_TEXT)
def test_any_text_in_the_signature_fields_parses_or_is_refused_with_its_place(
        signature_input: str, signature: str) -> None:
    try:
        signed, raw = parse_signature(signature_input, signature)
    except SignatureError as error:
        assert error.place in ("header.signature-input", "header.signature")
        assert error.message
    else:
        assert isinstance(raw, bytes)
        # what was read is what is signed: serialized again, it parses to the same
        again, _ = parse_signature(f"{signed.label}={signed.serialized()}",
                                   f"{signed.label}=:{base64.b64encode(raw).decode()}:")
        assert again == signed
