"""Papers and chunks in Chroma: the only module that talks to the vector database.

In: lists of `Paper` (one source file at a time) and queries. Out: stored papers, `Passage`s found by dense
search, counts. Two collections: `papers` (one record per paper, its metadata and title+abstract embedding) and
`chunks` (the searchable pieces); notes, the journal, the version token and the writer lock live in
`vectorstore/state.py`. Ids are stable, writes are upserts, and unchanged papers are skipped, so ingesting the
same file twice changes nothing. One writer at a time across processes (a file lock). A batch is all-or-nothing
across a crash: its journal row names its papers, chunks are written before papers, and the next writer (or an
open that finds no live writer) removes chunks whose papers never landed. A reader never repairs anything while
a writer is live.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from vectorstore.chunking import chunk_paper, embedding_text, make_splitter
from vectorstore.embeddings import Embedder, HashingEmbedder, load_embedder
from vectorstore.errors import NotFoundError, StoreError
from vectorstore.records import Chunk, Paper, Passage, title_key, without_lone_surrogates
from vectorstore.state import StoreState

PAPERS = "papers"
CHUNKS = "chunks"
# Where notes lived before they moved to the state file; copied over once, then dropped.
OLD_NOTES = "notes"


@dataclass(frozen=True)
class WriteReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0


def date_int(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def date_filter(start: date | None, end: date | None) -> list[dict]:
    clauses = []
    if start:
        clauses.append({"date_int": {"$gte": date_int(start)}})
    if end:
        clauses.append({"date_int": {"$lte": date_int(end)}})
    return clauses


def combine(clauses: list[dict]) -> dict | None:
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def paper_from_metadata(meta: dict) -> Paper:
    record = json.loads(meta["record"])
    record["date"] = date.fromisoformat(record["date"])
    record["authors"] = tuple(record.get("authors", ()))
    record["ai_keywords"] = tuple(record.get("ai_keywords", ()))
    for derived in ("arxiv_url", "hf_url", "byline"):
        record.pop(derived, None)
    return Paper(**record)


def chunk_from_result(doc: str, meta: dict) -> Chunk:
    return Chunk(
        id=f"{meta['paper_id']}#{meta['index']}",
        paper_id=meta["paper_id"],
        index=int(meta["index"]),
        text=doc,
        title=meta["title"],
        date=date.fromisoformat(meta["date"]),
        section=meta.get("section", ""),
        pages=meta.get("pages", ""),
    )


def open_client(data_dir: Path, chroma_url: str = "", chroma_token: str = ""):
    """Embedded PersistentClient by default; a Chroma server when a URL is given (several processes share it)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)  # the journal and the BM25 index live here in both modes
        if chroma_url:
            from urllib.parse import urlparse

            url = urlparse(chroma_url)
            return chromadb.HttpClient(
                host=url.hostname or "127.0.0.1",
                port=url.port or 8000,
                ssl=url.scheme == "https",
                headers={"Authorization": f"Bearer {chroma_token}"} if chroma_token else None,
                settings=chroma_settings,
            )
        return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=chroma_settings)
    except Exception as error:  # chromadb raises many unrelated types here
        where = chroma_url or str(data_dir)
        raise StoreError(
            f"The paper store at {where} could not be opened: {error}",
            "Check the folder is writable, or that the Chroma server is running (and PAPERS_CHROMA_TOKEN).",
        ) from error


class PaperStore:
    def __init__(
        self,
        data_dir: Path,
        embed_model: str,
        embed_device: str = "auto",
        chunk_size: int = 1000,
        chunk_overlap: int = 200,
        chroma_url: str = "",
        chroma_token: str = "",
        embedder: Embedder | HashingEmbedder | None = None,
        collection_prefix: str = "",
    ) -> None:
        self.data_dir = data_dir
        self.client = open_client(data_dir, chroma_url, chroma_token)
        self.state = StoreState(data_dir, collection_prefix)
        self.embed_model = embed_model
        self.embed_device = embed_device
        self._embedder = embedder
        self.splitter = make_splitter(chunk_size, chunk_overlap)
        self.chunking_key = f"{chunk_size}/{chunk_overlap}"
        space = {"hnsw": {"space": "cosine"}}
        # A prefix lets several stores share one Chroma server (one per team, say) without mixing their papers.
        names = [f"{collection_prefix}{name}" for name in (PAPERS, CHUNKS)]
        self.old_notes = f"{collection_prefix}{OLD_NOTES}"
        try:
            self.papers = self.client.get_or_create_collection(names[0], embedding_function=None, configuration=space)
            self.chunks = self.client.get_or_create_collection(names[1], embedding_function=None, configuration=space)
        except Exception as error:  # a server that went away, a name Chroma refuses, a corrupt folder
            raise StoreError(
                f"The paper store at {chroma_url or data_dir} could not be opened: {error}",
                "Check the folder is writable, or that the Chroma server is running.",
            ) from error
        self.max_batch = self.client.get_max_batch_size()
        if self.state.try_writing():  # no live writer: finish what a dead one left, once
            try:
                self.recover()
                self.migrate_notes()
            finally:
                self.state.done_writing()

    @property
    def embedder(self) -> Embedder | HashingEmbedder:
        if self._embedder is None:
            self._embedder = load_embedder(self.embed_model, self.embed_device)
        return self._embedder

    # --- writing -------------------------------------------------------------------------------------------

    def text_hash(self, paper: Paper) -> str:
        """Changes when re-embedding is needed: the text, the chunking or the embedding model."""
        basis = "\n".join([paper.title, paper.abstract, paper.fulltext, self.chunking_key, self.embed_model])
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    def metadata(self, paper: Paper, text_hash: str) -> dict:
        return {
            "title": paper.title,
            "date": paper.date.isoformat(),
            "date_int": date_int(paper.date),
            "upvotes": paper.upvotes,
            "title_key": title_key(paper.title),
            "text_hash": text_hash,
            "record": json.dumps(paper.to_dict(), ensure_ascii=False, sort_keys=True),
        }

    def stored_metadata(self, ids: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        for start in range(0, len(ids), self.max_batch):
            got = self.papers.get(ids=ids[start : start + self.max_batch], include=["metadatas"])
            found.update(zip(got["ids"], got["metadatas"]))
        return found

    def classify(self, papers: list[Paper]) -> tuple[list, list, list, int]:
        """Split a batch into new papers, papers whose text changed, papers whose metadata changed, and the rest."""
        stored = self.stored_metadata([p.id for p in papers])
        fresh, retext, remeta, unchanged = [], [], [], 0
        for paper in papers:
            old = stored.get(paper.id)
            if old and old["date"] > paper.date.isoformat():  # listed on several days: the latest listing holds
                unchanged += 1
                continue
            meta = self.metadata(paper, self.text_hash(paper))
            if old is None:
                fresh.append((paper, meta))
            elif old.get("text_hash") != meta["text_hash"]:
                retext.append((paper, meta))
            elif {k: old.get(k) for k in meta} != meta:
                remeta.append((paper, meta))
            else:
                unchanged += 1
        return fresh, retext, remeta, unchanged

    def add_papers(self, papers: list[Paper], sections_of: Callable[[Paper], list] | None = None) -> WriteReport:
        """Store one source's papers: all of them or, after a crash, none (see `recover`). Holds the writer lock
        from reading what is stored to the last write, so two writers never interleave."""
        papers = [without_lone_surrogates(p) for p in papers]
        with self.state.writing():
            self.recover()
            fresh, retext, remeta, unchanged = self.classify(papers)
            to_embed = fresh + retext
            sections = sections_of or (lambda _: [])
            chunks = [c for p, _ in to_embed for c in chunk_paper(p, self.splitter, sections(p))]
            if to_embed:
                vectors = self.embedder.embed([embedding_text(c) for c in chunks])
                batch = self.state.begin([p.id for p, _ in to_embed])
                self.drop_stale_chunks([p.id for p, _ in retext], {c.id for c in chunks})
                self.upsert_chunks(chunks, vectors)
                self.upsert_papers(to_embed, chunks, vectors)
            if remeta:
                self.papers.update(ids=[p.id for p, _ in remeta], metadatas=[m for _, m in remeta])
            if to_embed:
                self.state.bump_version()
                self.state.end(batch)
        return WriteReport(len(fresh), len(retext) + len(remeta), unchanged, len(chunks))

    def upsert_chunks(self, chunks: list[Chunk], vectors: np.ndarray) -> None:
        for start in range(0, len(chunks), self.max_batch):
            part = chunks[start : start + self.max_batch]
            self.chunks.upsert(
                ids=[c.id for c in part],
                embeddings=vectors[start : start + len(part)],
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c) for c in part],
            )

    def upsert_papers(self, items: list[tuple[Paper, dict]], chunks: list[Chunk], vectors: np.ndarray) -> None:
        first_vector = {}
        for chunk, vector in zip(chunks, vectors):
            first_vector.setdefault(chunk.paper_id, vector)
        for start in range(0, len(items), self.max_batch):
            part = items[start : start + self.max_batch]
            self.papers.upsert(
                ids=[p.id for p, _ in part],
                embeddings=np.stack([first_vector[p.id] for p, _ in part]),
                documents=[p.abstract for p, _ in part],
                metadatas=[m for _, m in part],
            )

    def drop_stale_chunks(self, paper_ids: list[str], keep: set[str]) -> None:
        if not paper_ids:
            return
        old = self.chunks.get(where={"paper_id": {"$in": paper_ids}}, include=[])
        stale = [i for i in old["ids"] if i not in keep]
        if stale:
            self.chunks.delete(ids=stale)

    def recover(self) -> None:
        """Undo what dead writers left half done: chunks whose papers never landed. Call with the writer lock held:
        then every batch still in the journal belongs to a writer that is gone."""
        for batch, ids in self.state.unfinished():
            landed = set(self.stored_metadata(ids)) if ids else set()
            orphans = [i for i in ids if i not in landed]
            if orphans:
                self.chunks.delete(where={"paper_id": {"$in": orphans}})
                self.state.bump_version()
            if landed:  # their chunks may be newer than their record: make the next ingest rewrite them
                self.papers.update(ids=sorted(landed), metadatas=[{"text_hash": "recovered"}] * len(landed))
            self.state.end(batch)

    def migrate_notes(self) -> None:
        """Notes written before the state file existed (a Chroma collection) move to it once."""
        try:
            old = self.client.get_collection(self.old_notes, embedding_function=None)
        except Exception:  # chromadb raises NotFoundError / ValueError by version: no old notes
            return
        total = old.count()
        for offset in range(0, total, self.max_batch):
            got = old.get(include=["documents", "metadatas"], limit=self.max_batch, offset=offset)
            self.state.put_notes({i: (d, m or {}) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])})
        self.client.delete_collection(self.old_notes)
        self.state.bump_version()

    def version(self) -> str:
        return self.state.version()

    def put_notes(self, notes: dict[str, tuple[str, dict]]) -> None:
        """Small texts keyed by id (a TL;DR per paper, model and prompt version), with their metadata."""
        self.state.put_notes(notes)

    def mark(self) -> str:
        """What a view of the store depends on: its version (papers written) and its notes (TL;DRs written); two
        small reads, so a page can ask every few seconds whether it is current."""
        return f"{self.state.version()}|{self.state.notes_mark()}"

    def get_notes(self, keys: list[str]) -> dict[str, tuple[str, dict]]:
        return self.state.get_notes(keys)

    # --- reading -------------------------------------------------------------------------------------------

    def get_paper(self, paper_id: str) -> Paper:
        got = self.papers.get(ids=[paper_id], include=["metadatas"])
        if not got["ids"]:
            raise NotFoundError(f"No paper {paper_id!r} in the store.", "`papers list` shows the ids you have.")
        return paper_from_metadata(got["metadatas"][0])

    def list_papers(self, start: date | None = None, end: date | None = None) -> list[Paper]:
        """Papers of a date range (all when open), most upvoted first."""
        got = self.papers.get(where=combine(date_filter(start, end)), include=["metadatas"])
        papers = [paper_from_metadata(m) for m in got["metadatas"]]
        return sorted(papers, key=lambda p: (-p.upvotes, p.title))

    def find_by_title(self, title: str) -> Paper | None:
        got = self.papers.get(where={"title_key": title_key(title)}, include=["metadatas"], limit=1)
        return paper_from_metadata(got["metadatas"][0]) if got["ids"] else None

    def paper_vectors(self, paper_ids: list[str]) -> dict[str, np.ndarray]:
        got = self.papers.get(ids=paper_ids, include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def papers_with_vectors(self) -> tuple[list[Paper], np.ndarray]:
        """Every paper and its title+abstract vector (rows in the same order), read in Chroma-sized batches."""
        papers: list[Paper] = []
        vectors: list[np.ndarray] = []
        total = self.papers.count()
        for offset in range(0, total, self.max_batch):
            got = self.papers.get(include=["metadatas", "embeddings"], limit=self.max_batch, offset=offset)
            papers.extend(paper_from_metadata(m) for m in got["metadatas"])
            vectors.append(np.asarray(got["embeddings"], dtype=np.float32).reshape(len(got["ids"]), -1))
        return papers, (np.concatenate(vectors) if vectors else np.zeros((0, 0), dtype=np.float32))

    def dates(self) -> list[date]:
        got = self.papers.get(include=["metadatas"])
        return sorted({date.fromisoformat(m["date"]) for m in got["metadatas"]})

    def counts(self) -> tuple[int, int]:
        return self.papers.count(), self.chunks.count()

    def all_chunks(self) -> list[Chunk]:
        chunks: list[Chunk] = []
        total = self.chunks.count()
        for offset in range(0, total, self.max_batch):
            got = self.chunks.get(include=["documents", "metadatas"], limit=self.max_batch, offset=offset)
            chunks.extend(chunk_from_result(d, m) for d, m in zip(got["documents"], got["metadatas"]))
        return chunks

    def chunk_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        got = self.chunks.get(ids=chunk_ids, include=["embeddings"])
        return {i: np.asarray(v, dtype=np.float32) for i, v in zip(got["ids"], got["embeddings"])}

    def dense_search(
        self,
        query_vector: np.ndarray,
        k: int,
        start: date | None = None,
        end: date | None = None,
        paper_ids: list[str] | None = None,
    ) -> list[Passage]:
        clauses = date_filter(start, end) + ([{"paper_id": {"$in": paper_ids}}] if paper_ids else [])
        total = self.chunks.count()
        if total == 0:
            return []
        got = self.chunks.query(
            query_embeddings=[query_vector],
            n_results=min(k, total),
            where=combine(clauses),
            include=["documents", "metadatas", "distances"],
        )
        return [
            Passage(chunk_from_result(doc, meta), 1.0 - float(dist))
            for doc, meta, dist in zip(got["documents"][0], got["metadatas"][0], got["distances"][0])
        ]


def chunk_metadata(chunk: Chunk) -> dict:
    return {
        "paper_id": chunk.paper_id,
        "index": chunk.index,
        "title": chunk.title,
        "date": chunk.date.isoformat(),
        "date_int": date_int(chunk.date),
        "section": chunk.section,
        "pages": chunk.pages,
    }


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0
