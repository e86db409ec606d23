"""The S3-compatible object store that holds evidence and rendered PDFs when S3_BUCKET is set (see settings)."""


def s3_storage(
    *,
    bucket: str,
    endpoint_url: str = "",
    region: str = "",
    access_key: str = "",
    secret_key: str = "",
    prefix: str = "",
    addressing_style: str = "",
) -> dict:
    """The STORAGES["default"] entry for django-storages' S3 backend. Empty values fall back to boto3's own
    (AWS endpoints, its credential chain: AWS_* variables, an instance role)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,  # MinIO, Ceph, a cloud's own; empty: AWS
            "region_name": region or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "location": prefix,
            "addressing_style": addressing_style or None,  # "path" for most self-hosted stores
            # The objects stay private: no ACL of their own (the bucket's policy holds), no public URL. The
            # views stream them after the scope check.
            "default_acl": None,
            "querystring_auth": True,
            # As on the filesystem: a name already taken gets another, nothing is overwritten.
            "file_overwrite": False,
        },
    }
