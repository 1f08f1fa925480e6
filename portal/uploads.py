"""Uploads are held in memory and capped: nothing a visitor sends is ever written to
disk outside storage, and an oversized file is cut off early instead of read whole."""

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class BoundedMemoryUploadHandler(FileUploadHandler):
    """Keep each uploaded file in memory up to ``settings.MAX_UPLOAD_BYTES``.

    A larger file stops the upload; the request then carries ``upload_too_large`` so
    that the view can say so in the user's language.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.size = 0
        self.chunks = []

    def receive_data_chunk(self, raw_data, start):
        self.size += len(raw_data)
        if self.size > settings.MAX_UPLOAD_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        self.chunks.append(raw_data)

    def file_complete(self, file_size):
        import io

        buffer = io.BytesIO(b"".join(self.chunks))
        self.chunks = []
        return InMemoryUploadedFile(
            file=buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
