"""A small third-party-style FastAPI app, served by SocketScope with `--app tests.thirdparty_app:app`."""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


@app.websocket("/shout")
async def shout(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol=websocket.scope["subprotocols"][0] if websocket.scope["subprotocols"] else None)
    try:
        while True:
            text = await websocket.receive_text()
            if text == "bye":
                await websocket.close(4000, "asked to leave")
                return
            await websocket.send_text(text.upper())
    except WebSocketDisconnect:
        return
