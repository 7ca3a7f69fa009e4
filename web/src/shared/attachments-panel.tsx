/**
 * 附件 of a record (incident, work order): upload (multipart, field `file`,
 * sent with fetch and FormData: the one request the generated client does not
 * fit), list with SM3 digests and download. The server checks the content
 * type and always serves files as downloads.
 */
import { useRef, useState } from 'react';
import { App, Button, Card, Table, Tooltip } from 'antd';
import { PaperClipOutlined, UploadOutlined } from '@ant-design/icons';
import { errorMessage, toApiError } from '../api/client';
import { apiUrl } from '../api/urls';
import type { Attachment, UploadedAttachment } from '../api/types';
import { useT } from '../i18n/i18n';
import { formatDateTimeShort } from './datetime';

/** The accepted file types (the server decides by content). */
export const ACCEPT = '.png,.jpg,.jpeg,.gif,.webp,.pdf,.docx,.xlsx,.zip,.txt,.log,.csv';
/** Largest file the server takes. */
export const MAX_BYTES = 10 * 1024 * 1024;

/** "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function isUploaded(v: unknown): v is UploadedAttachment {
  return typeof v === 'object' && v !== null && 'id' in v && 'digest' in v && 'fileName' in v;
}

/** Upload one file to `url` (built with `apiUrl`); returns the stored attachment with its SM3 digest. */
export async function uploadFile(url: string, file: File): Promise<UploadedAttachment> {
  const body = new FormData();
  body.append('file', file, file.name);
  const res = await fetch(url, { method: 'POST', body, credentials: 'include' });
  const json: unknown = await res.json().catch(() => null);
  if (!res.ok || !isUploaded(json)) throw toApiError(res.status, json);
  return json;
}

/** What the panel shows and where it uploads. */
export interface AttachmentsPanelProps {
  title: string;
  /** Shown above the list to those who may upload. */
  hint: string;
  attachments: Attachment[];
  mayUpload: boolean;
  /** Sends one file to the record's upload endpoint. */
  upload: (file: File) => Promise<UploadedAttachment>;
  onChanged: () => void;
}

/** A record's attachments: upload, list with SM3 digests, download. */
export function AttachmentsPanel({ title, hint, attachments, mayUpload, upload, onChanged }: AttachmentsPanelProps) {
  const t = useT();
  const { message } = App.useApp();
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState(false);

  const onFile = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > MAX_BYTES) {
      message.error(t('att.tooLarge', { name: file.name }));
      return;
    }
    setUploading(true);
    try {
      const r = await upload(file);
      message.success(t('att.uploaded', { name: r.fileName }));
      onChanged();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setUploading(false);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <Card
      className="section-card attachments-panel"
      size="small"
      title={title}
      extra={
        mayUpload ? (
          <>
            <input ref={input} type="file" accept={ACCEPT} className="hidden-file" aria-label={t('att.upload')} onChange={(e) => void onFile(e.target.files?.[0])} />
            <Button size="small" icon={<UploadOutlined />} loading={uploading} onClick={() => input.current?.click()}>
              {t('att.upload')}
            </Button>
          </>
        ) : null
      }
    >
      {mayUpload && <div className="muted small section-intro">{hint}</div>}
      {attachments.length === 0 ? (
        <div className="inline-empty">{t('att.none')}</div>
      ) : (
        <Table<Attachment>
          rowKey="id"
          size="small"
          pagination={false}
          dataSource={attachments}
          columns={[
            {
              title: t('att.col.name'),
              dataIndex: 'fileName',
              render: (name: string, a) => (
                <a href={apiUrl('/api/attachments/{attachmentId}', 'get', { attachmentId: a.id })} download={name} className="attachment-link">
                  <PaperClipOutlined /> {name}
                </a>
              ),
            },
            { title: t('att.col.size'), dataIndex: 'sizeBytes', width: 90, render: (n: number) => formatBytes(n) },
            { title: t('att.col.by'), dataIndex: 'uploadedBy', width: 110, render: (v: string | null) => v ?? t('common.dash') },
            { title: t('att.col.at'), dataIndex: 'uploadedAt', width: 140, render: (v: string) => formatDateTimeShort(v) },
            {
              title: t('att.col.digest'),
              dataIndex: 'digest',
              width: 110,
              render: (d: string) => (
                <Tooltip title={d}>
                  <span className="mono small">{d.slice(0, 10)}…</span>
                </Tooltip>
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}
