"""Statement files as banks write them, for tests and bench/statement.py."""

from dataclasses import dataclass
from datetime import date
from xml.sax.saxutils import escape


@dataclass
class Transfer:
    amount: int  # grosze, negative for a debit
    title: str
    name: str = "JAN KOWALSKI"
    into: str = ""  # the individual account (26 digits) the money was paid into
    reference: str = ""
    booked_on: date = date(2026, 3, 10)


def _zl(grosze: int) -> str:
    return f"{abs(grosze) // 100},{abs(grosze) % 100:02d}"


def mt940(transfers: list[Transfer], *, statement="00045/001",
          account="PL61102010550000000000000001") -> bytes:
    out = [":20:ST2026031000001", f":25:/{account}", f":28C:{statement}",
           ":60F:C260309PLN000000000000,00"]
    for i, t in enumerate(transfers, start=1):
        mark = "C" if t.amount > 0 else "D"
        ref = t.reference or f"BR{i:014d}"
        out.append(f":61:{t.booked_on:%y%m%d}{t.booked_on:%m%d}{mark}{_zl(t.amount)}"
                   f"NTRFNONREF//{ref}")
        title = t.title
        info = f":86:020~00PRZELEW~20{title[:35]}~21{title[35:70]}~27{t.name[:35]}"
        info += "~3010901014~310000071219812874~38PL61109010140000071219812874"
        if t.into:
            info += f"~63PL{t.into}"
        out.append(info)
    out += [":62F:C260310PLN000000000000,00", "-"]
    return ("\r\n".join(out) + "\r\n").encode("utf-8")


def camt053(transfers: list[Transfer], *, statement="2026-03-10-045",
            account="PL61102010550000000000000001") -> bytes:
    entries = []
    for i, t in enumerate(transfers, start=1):
        ref = t.reference or f"CAMT{i:012d}"
        creditor = (f"<CdtrAcct><Id><IBAN>PL{t.into}</IBAN></Id></CdtrAcct>" if t.into else "")
        entries.append(f"""
    <Ntry>
      <Amt Ccy="PLN">{abs(t.amount) // 100}.{abs(t.amount) % 100:02d}</Amt>
      <CdtDbtInd>{"CRDT" if t.amount > 0 else "DBIT"}</CdtDbtInd>
      <Sts>BOOK</Sts>
      <BookgDt><Dt>{t.booked_on.isoformat()}</Dt></BookgDt>
      <AcctSvcrRef>{ref}</AcctSvcrRef>
      <NtryDtls><TxDtls>
        <Refs><AcctSvcrRef>{ref}</AcctSvcrRef></Refs>
        <RltdPties>
          <Dbtr><Nm>{escape(t.name)}</Nm></Dbtr>
          <DbtrAcct><Id><IBAN>PL61109010140000071219812874</IBAN></Id></DbtrAcct>
          {creditor}
        </RltdPties>
        <RmtInf><Ustrd>{escape(t.title)}</Ustrd></RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{statement}</MsgId><CreDtTm>2026-03-10T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement}</Id>
      <Acct><Id><IBAN>{account}</IBAN></Id></Acct>{"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()
