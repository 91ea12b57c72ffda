from opendb.notices import UPLOAD_EVENT_NAMES, Notice, ObjectRef


def test_label_prefers_trigger_ids():
    obj = ObjectRef("b", "k.bak", etag="E")
    assert Notice("mns-queue", ids={"message_id": "M1", "event_id": "E1"}, object=obj).label == "M1"
    assert Notice("oss", ids={"oss_request_id": "R1"}, object=obj).label == "R1"
    assert Notice("oss", object=obj).label == "oss://b/k.bak"
    assert Notice("direct").label == "direct"


def test_log_fields_carry_object_and_ids():
    fields = Notice("oss", ids={"oss_request_id": "R1"}, object=ObjectRef("b", "k.bak", etag="E")).log_fields()
    assert fields == {"trigger": "oss", "oss_request_id": "R1", "bucket": "b", "key": "k.bak", "etag": "E"}


def test_folder_and_upload_names():
    assert ObjectRef("b", "dir/").is_folder
    assert not ObjectRef("b", "dir/x").is_folder
    assert "ObjectCreated:CompleteMultipartUpload" in UPLOAD_EVENT_NAMES
    assert "ObjectCreated:UploadPart" not in UPLOAD_EVENT_NAMES
