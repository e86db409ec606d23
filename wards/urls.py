"""The wards app's addresses: the assessment's pages under ho-so/, the province's review under tham-dinh/, a
ward's own page under phuong/, a province's administration under quan-tri-tinh/ (its people under
nguoi-dung/), an invitation's link under loi-moi/."""

from django.urls import path

from wards.views import administration, decisions, entry, history, home, people, places, review

urlpatterns = [
    path("", home.home, name="home"),
    path("ho-so/<int:pk>/", entry.assessment_detail, name="assessment"),
    path("ho-so/<int:pk>/gui/", entry.assessment_submit, name="assessment_submit"),
    path("ho-so/<int:pk>/tieu-chi/<int:number>/minh-chung/", entry.evidence_upload, name="evidence_upload"),
    path("ho-so/<int:pk>/minh-chung/<int:file_pk>/", entry.evidence_download, name="evidence_download"),
    path("ho-so/<int:pk>/minh-chung/<int:file_pk>/xoa/", entry.evidence_delete, name="evidence_delete"),
    path("ho-so/<int:pk>/excel/", entry.excel_download, name="excel_download"),
    path("ho-so/<int:pk>/excel/nhap/", entry.excel_upload, name="excel_upload"),
    path("tham-dinh/", review.queue, name="queue"),
    path("tham-dinh/quyet-dinh/", decisions.decision_batch, name="decision_batch"),
    path("ho-so/<int:pk>/tham-dinh/", review.review, name="review"),
    path("ho-so/<int:pk>/tham-dinh/bat-dau/", review.start_review, name="start_review"),
    path("ho-so/<int:pk>/tra-lai/", review.return_assessment, name="return_assessment"),
    path("ho-so/<int:pk>/phe-duyet/", review.approve, name="approve"),
    path("ho-so/<int:pk>/mo-lai/", review.reopen, name="reopen"),
    path("ho-so/<int:pk>/gia-han/", review.extend, name="extend"),
    path("ho-so/<int:pk>/lich-su/", history.history, name="history"),
    path("phuong/<int:pk>/", places.ward, name="ward"),
    path("quan-tri-tinh/", administration.index, name="administration_index"),
    path("quan-tri-tinh/thiet-lap/", administration.set_up, name="administration_set_up"),
    path("quan-tri-tinh/<str:code>/", administration.overview, name="administration"),
    path("quan-tri-tinh/<str:code>/mo-dot/", administration.open_year, name="administration_open_year"),
    path("quan-tri-tinh/<str:code>/lich/", administration.calendar_save, name="administration_calendar"),
    path("quan-tri-tinh/<str:code>/nguoi-dung/", people.people_list, name="administration_people"),
    path("quan-tri-tinh/<str:code>/nguoi-dung/mau/", people.people_template, name="administration_people_template"),
    path("quan-tri-tinh/<str:code>/nguoi-dung/nhap/", people.people_import, name="administration_people_import"),
    path(
        "quan-tri-tinh/<str:code>/nguoi-dung/<int:pk>/moi-lai/",
        people.invitation_resend,
        name="administration_people_invite",
    ),
    path(
        "quan-tri-tinh/<str:code>/nguoi-dung/<int:pk>/ngung/",
        people.person_deactivate,
        name="administration_people_deactivate",
    ),
    path(
        "quan-tri-tinh/<str:code>/nguoi-dung/<int:pk>/kich-hoat/",
        people.person_reactivate,
        name="administration_people_reactivate",
    ),
    path("loi-moi/<uidb64>/<token>/", people.invitation_accept, name="invitation_accept"),
]
