"""Posts, likes, saves, comments, and the post listings by author and hashtag."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from commerce.content import service as content
from commerce.content.schemas import CommentCreate, CommentOut, PostCard, PostCreate, PostUpdate, ViewerState
from commerce.core.pagination import Page
from commerce.interactions.schemas import Surface
from serving.deps import CurrentUser, Cursor, Limit, OptionalUser, SessionDep
from serving.routers.auth import PROBLEM

router = APIRouter(tags=["content"])
ERRORS = {401: PROBLEM, 404: PROBLEM, 422: PROBLEM}
SurfaceQuery = Annotated[Surface | None, Query(description="where the action happened, for attribution")]


def _viewer(claims) -> uuid.UUID | None:  # noqa: ANN001
    return claims.user_id if claims else None


@router.post("/api/posts", status_code=status.HTTP_201_CREATED, response_model=PostCard, responses=ERRORS)
async def create_post(body: PostCreate, me: CurrentUser, session: SessionDep) -> PostCard:
    return await content.create_post(session, author_id=me.user_id, data=body)


@router.get("/api/posts/{post_id}", response_model=PostCard, responses=ERRORS)
async def get_post(post_id: uuid.UUID, session: SessionDep, viewer: OptionalUser) -> PostCard:
    return await content.get_post(session, post_id=post_id, viewer_id=_viewer(viewer))


@router.patch("/api/posts/{post_id}", response_model=PostCard, responses=ERRORS)
async def update_post(post_id: uuid.UUID, body: PostUpdate, me: CurrentUser, session: SessionDep) -> PostCard:
    return await content.update_post(session, post_id=post_id, user_id=me.user_id, data=body)


@router.delete("/api/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_post(post_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Response:
    await content.delete_post(session, post_id=post_id, user_id=me.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/api/posts/{post_id}/like", response_model=ViewerState, responses=ERRORS)
async def like(post_id: uuid.UUID, me: CurrentUser, session: SessionDep, surface: SurfaceQuery = None) -> ViewerState:
    return await content.like_post(session, post_id=post_id, user_id=me.user_id, liked=True, surface=surface)


@router.delete("/api/posts/{post_id}/like", response_model=ViewerState, responses=ERRORS)
async def unlike(post_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> ViewerState:
    return await content.like_post(session, post_id=post_id, user_id=me.user_id, liked=False)


@router.post("/api/posts/{post_id}/save", response_model=ViewerState, responses=ERRORS)
async def save(post_id: uuid.UUID, me: CurrentUser, session: SessionDep, surface: SurfaceQuery = None) -> ViewerState:
    return await content.save_post(session, post_id=post_id, user_id=me.user_id, saved=True, surface=surface)


@router.delete("/api/posts/{post_id}/save", response_model=ViewerState, responses=ERRORS)
async def unsave(post_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> ViewerState:
    return await content.save_post(session, post_id=post_id, user_id=me.user_id, saved=False)


@router.get("/api/posts/{post_id}/comments", response_model=Page[CommentOut], responses=ERRORS)
async def list_comments(post_id: uuid.UUID, session: SessionDep, viewer: OptionalUser, cursor: Cursor = None,
                        limit: Limit = 20) -> Page[CommentOut]:
    return await content.list_comments(session, post_id=post_id, viewer_id=_viewer(viewer), cursor=cursor,
                                       limit=limit)


@router.post("/api/posts/{post_id}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentOut,
             responses=ERRORS)
async def add_comment(post_id: uuid.UUID, body: CommentCreate, me: CurrentUser, session: SessionDep) -> CommentOut:
    return await content.add_comment(session, post_id=post_id, user_id=me.user_id, data=body)


@router.delete("/api/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_comment(comment_id: uuid.UUID, me: CurrentUser, session: SessionDep) -> Response:
    await content.delete_comment(session, comment_id=comment_id, user_id=me.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/users/{user_id}/posts", response_model=Page[PostCard], responses=ERRORS)
async def user_posts(user_id: uuid.UUID, session: SessionDep, viewer: OptionalUser, cursor: Cursor = None,
                     limit: Limit = 20) -> Page[PostCard]:
    return await content.posts_by_user(session, user_id=user_id, viewer_id=_viewer(viewer), cursor=cursor,
                                       limit=limit)


@router.get("/api/hashtags/{tag}/posts", response_model=Page[PostCard], responses=ERRORS)
async def hashtag_posts(tag: Annotated[str, Path(min_length=1, max_length=100)], session: SessionDep,
                        viewer: OptionalUser, cursor: Cursor = None, limit: Limit = 20) -> Page[PostCard]:
    return await content.posts_by_hashtag(session, tag=tag, viewer_id=_viewer(viewer), cursor=cursor, limit=limit)
