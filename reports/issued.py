"""The documents the province issues, as signed PDFs: the certification decision and the approved dossier.

`decision_data` and `signed_dossier_data` build their data as plain values (Vietnamese: official papers), with
the verification block every issued copy carries: a QR code (vector, inline SVG) of its public verification
address and its short code, upper left of the first page as Thông tư 01/2023/TT-VPCP places them. `render_signed`
lays the document out with the project's WeasyPrint pipeline (documents.render_document), finds the signature
box in the layout (its anchor) and signs the PDF there by the province's certificate (reports.signing).

The decision follows the form of an individual decision of Nghị định 30/2020/NĐ-CP, Phụ lục I: masthead, number,
place and date, title and abstract, the issuer's authority, the "Căn cứ" lines, the articles, "Nơi nhận" and the
signer's block.
"""

from django.conf import settings
from django.db.models import Prefetch

from modelphuong.language import in_site_language
from reports import documents
from reports.documents import vn_date
from reports.signing import Placement, SignedPdf, sign_pdf
from wards.collation import sort_key
from wards.models import Decision, IssuedDocument, RoadmapTarget, Verdict

# The id of the element the visible signature covers (the templates give it a fixed size in CSS).
SIGNATURE_ANCHOR = "chu-ky-so"
# The signature box, in mm: room for pyHanko's stamp of 3 or 4 lines at 8 pt (name, title, time).
SIGNATURE_BOX_MM = (64, 17)
QR_SIZE_MM = 20
QR_BORDER = 4  # modules of quiet zone around the code, as ISO/IEC 18004 asks
PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px (96 per inch); PDF counts points (72 per inch)
PROGRAMME = "Điển hình, kiểu mẫu về an ninh, trật tự và văn minh đô thị"
# Thành phố trực thuộc trung ương (the others are tỉnh): the masthead says "CÔNG AN THÀNH PHỐ …".
CITIES = {"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}
# Named after a person: Nghị định 30/2020/NĐ-CP writes the place in full ("Thành phố Hồ Chí Minh, ngày …").
PLACE_IN_FULL = {"Hồ Chí Minh"}


def verification_url(document: IssuedDocument) -> str:
    """The public page that says whether the document is valid (the QR code's content)."""
    return f"{settings.PUBLIC_BASE_URL}/xac-minh/{document.token}/"


def qr_svg(url: str) -> str:
    """The QR code of the address as inline SVG (one path, no raster), sized by the print CSS."""
    import segno

    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(border=QR_BORDER, omitsize=True, svgclass="qr-code", lineclass=None)


def verification_block(document: IssuedDocument) -> dict:
    url = verification_url(document)
    return {"url": url, "code": document.code, "qr_svg": qr_svg(url)}


def _plain(name: str) -> str:
    for prefix in ("Thành phố ", "Tỉnh ", "TP. "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def province_body(name: str) -> str:
    """ "Thành phố Cần Thơ", "Tỉnh Quảng Ngãi": the province with its kind, as its police's name says it."""
    plain = _plain(name)
    return f"{'Thành phố' if plain in CITIES else 'Tỉnh'} {plain}"


def province_place(name: str) -> str:
    """The place of the date line: the province's name, in full when named after a person or by a number."""
    plain = _plain(name)
    if plain in PLACE_IN_FULL or plain[:1].isdigit():
        return province_body(name)
    return plain


def _signature_box() -> dict:
    width, height = SIGNATURE_BOX_MM
    return {"width": width, "height": height}


def _issued_block(document: IssuedDocument) -> dict:
    """What an issued copy adds to its data: the verification block, the signer and the signature box."""
    return {
        "verification": verification_block(document),
        "signer_title": [line.strip().upper() for line in document.signer_title.splitlines() if line.strip()],
        "signer_name": document.signer_name,
        "signature_box": _signature_box(),
        "qr_size": QR_SIZE_MM,
    }


def _roadmap_basis(document: IssuedDocument) -> str:
    """The province's roadmap basis (its Đề án or resolution) for the year: that of the milestone the year is
    judged on (the first at or after it), else of the last one; empty when the province has none."""
    targets = list(RoadmapTarget.objects.filter(province_id=document.province_id).order_by("year"))
    ahead = [t for t in targets if t.year >= document.year]
    target = ahead[0] if ahead else (targets[-1] if targets else None)
    return target.basis.strip().rstrip(";.") if target else ""


def _criteria_basis(criteria_set) -> str:
    dated = f" {vn_date(criteria_set.issued_on)}" if criteria_set.issued_on else ""
    by = " của Bộ trưởng Bộ Công an" if "BCA" in criteria_set.legal_basis.upper() else ""
    return (
        f"Căn cứ Quyết định số {criteria_set.legal_basis}{dated}{by} ban hành Bộ tiêu chí "
        f"“Công an phường điển hình, kiểu mẫu về an ninh, trật tự và văn minh đô thị”;"
    )


def _ward_row(decision: Decision) -> dict:
    ward = decision.assessment.ward
    verdicts = decision.assessment.verdicts.all()  # prefetched, failed ones only, by criterion number
    return {
        "name": ward.name,
        "code": ward.code,
        "district": ward.district.name if ward.district else "",
        "passed": decision.criteria_passed,
        "total": decision.criteria_total,
        "failed": [{"number": v.criterion.number, "title": v.criterion.title} for v in verdicts],
    }


def decision_data(document: IssuedDocument) -> dict:
    """Everything the decision shows, as plain values: its wards are those of the Decision rows that point at
    it (one or several wards of the province and year), in Vietnamese order. A fixed number of queries."""
    province = document.province
    failed = Verdict.objects.filter(outcome=Verdict.Outcome.FAIL).select_related("criterion")
    decisions = list(
        document.decisions.select_related("assessment__ward__district", "assessment__criteria_set").prefetch_related(
            Prefetch("assessment__verdicts", queryset=failed.order_by("criterion__number"))
        )
    )
    wards = sorted((_ward_row(d) for d in decisions), key=lambda w: (sort_key(w["name"]), w["code"]))
    certified = document.outcome == IssuedDocument.Outcome.CERTIFIED
    body = province_body(province.name)
    sets = {d.assessment.criteria_set_id: d.assessment.criteria_set for d in decisions}
    bases = [_criteria_basis(s) for _id, s in sorted(sets.items())]
    roadmap = _roadmap_basis(document)
    if roadmap:
        bases.append(f"Căn cứ {roadmap};")
    proposed_by = "Công an các phường" if len(wards) > 1 else f"Công an phường {wards[0]['name']}" if wards else ""
    in_text = body[0].lower() + body[1:]  # "thành phố Cần Thơ" within a sentence
    bases.append(
        f"Xét đề nghị của Trưởng phòng Tham mưu Công an {in_text} và kết quả thẩm định hồ sơ đề nghị công nhận "
        f"của {proposed_by}."
    )
    subject = "công nhận" if certified else "chưa công nhận"
    return {
        "issuer": f"Công an {body}".upper(),
        "number": document.number,
        "place_date": f"{province_place(province.name)}, {vn_date(document.decided_on)}",
        "year": document.year,
        "certified": certified,
        "abstract": f"Về việc {subject} Công an phường đạt chuẩn “{PROGRAMME}” năm {document.year}",
        "programme": PROGRAMME,
        "authority": f"Giám đốc Công an {body}".upper(),
        "bases": bases,
        "wards": wards,
        "count": len(wards),
        "count_text": f"{len(wards):02d}",
        "as_table": len(wards) > 5,
        "districts": any(w["district"] for w in wards),
        "executors": (
            "Trưởng phòng Tham mưu, Trưởng Công an các phường có tên tại Điều 1 và các đơn vị, cá nhân có liên "
            "quan chịu trách nhiệm thi hành Quyết định này."
            if len(wards) > 1
            else "Trưởng phòng Tham mưu, Trưởng Công an phường có tên tại Điều 1 và các đơn vị, cá nhân có liên "
            "quan chịu trách nhiệm thi hành Quyết định này."
        ),
        "recipients": ["Như Điều 3;", "Bộ Công an (V05) (để báo cáo);", "Lưu: VT, PV01."],
        "issued": _issued_block(document),
    }


def signed_dossier_data(document: IssuedDocument) -> dict:
    """The approved dossier's data (documents.dossier_data) and what the issued copy adds: its verification
    block, and the signature on the approver's block."""
    data = documents.dossier_data(document.assessment)
    data["issued"] = _issued_block(document)
    return data


def _signature_placement(rendered) -> Placement:
    """Where the signature goes: the signature box's rectangle in the layout, in PDF points from the lower left
    of its page (the page whose anchors have it: a layout has one)."""
    for index, page in enumerate(rendered.pages):
        if SIGNATURE_ANCHOR in page.anchors:
            x1, y1, x2, y2 = page.anchors[SIGNATURE_ANCHOR]
            height = page.height
            box = (x1 * PX_TO_PT, (height - y2) * PX_TO_PT, x2 * PX_TO_PT, (height - y1) * PX_TO_PT)
            return Placement(page=index, box=tuple(round(v, 2) for v in box))
    raise LookupError(f"The layout has no #{SIGNATURE_ANCHOR}")


def document_data(document: IssuedDocument) -> tuple[str, dict]:
    """The render kind (documents.TEMPLATES) and data of an issued document."""
    if document.kind == IssuedDocument.Kind.DECISION:
        return "decision", decision_data(document)
    return "signed_dossier", signed_dossier_data(document)


def render(document: IssuedDocument):
    """The kind, data and laid-out document (WeasyPrint's) of an issued document, before signing."""
    kind, data = document_data(document)
    return kind, data, documents.render_document(kind, data)


def _reason(document: IssuedDocument, data: dict) -> str:
    if document.kind == IssuedDocument.Kind.DECISION:
        subject = "công nhận" if data["certified"] else "chưa công nhận"
        return f"Quyết định {subject} Công an phường đạt chuẩn năm {document.year}, số {document.number}"
    return f"Phê duyệt hồ sơ đề nghị công nhận Công an phường {data['ward']} năm {document.year}"


@in_site_language
def render_signed(document: IssuedDocument) -> SignedPdf:
    """The issued document rendered and signed (PAdES) by the province's certificate, the visible signature on
    the signer's block. Raises SigningError when signing is not configured or fails, and the rendering's errors
    (FontsMissing, ResourceRefused)."""
    _kind, data, rendered = render(document)
    placement = _signature_placement(rendered)
    return sign_pdf(
        rendered.write_pdf(),
        placement=placement,
        title=" — ".join(data["issued"]["signer_title"]),
        signer_name=document.signer_name,
        reason=_reason(document, data),
        location=province_place(document.province.name),
    )
