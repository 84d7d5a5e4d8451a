use std::path::Path;

use crate::ir::{Streaming, TypeRef};

const SPEC: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /chat:
    post:
      operationId: createChat
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ChatRequest'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Chat'}
            text/event-stream:
              schema: {$ref: '#/components/schemas/ChatChunk'}
  /responses:
    post:
      operationId: createResponse
      x-sturdy-stream: {resumable: true}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                stream: {type: string}
      responses:
        '200':
          description: ok
          content:
            text/event-stream:
              schema: {$ref: '#/components/schemas/ResponseEvent'}
  /plain:
    get:
      operationId: plain
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Chat'}
components:
  schemas:
    Base:
      type: object
      properties:
        stream: {type: boolean, nullable: true}
    ChatRequest:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            model: {type: string}
    Chat:
      type: object
      properties: {id: {type: string}}
    ChatChunk:
      type: object
      properties: {id: {type: string}}
    Delta:
      type: object
      properties: {type: {type: string}, delta: {type: string}}
    Done:
      type: object
      properties: {type: {type: string}}
    ResponseEvent:
      oneOf:
        - $ref: '#/components/schemas/Delta'
        - $ref: '#/components/schemas/Done'
      discriminator: {propertyName: type}
"##;

fn streaming_of(id: &str) -> Option<Streaming> {
    let doc = crate::load::load_str(SPEC, Path::new("t.yaml")).unwrap();
    let (api, _) = crate::ir::build(&doc).unwrap();
    let op = api.operations.iter().find(|o| o.id == id).unwrap();
    op.streaming.clone()
}

#[test]
fn an_event_stream_response_is_detected_with_its_event_type_and_stream_flag() {
    let s = streaming_of("createChat").expect("text/event-stream is a stream");
    assert!(
        matches!(&s.event, TypeRef::Named(n) if n.contains("ChatChunk")),
        "{:?}",
        s.event
    );
    assert!(!s.several);
    assert_eq!(s.tag, None);
    assert!(s.stream_flag, "`stream: boolean` through allOf and a $ref");
    assert!(!s.resumable);
}

#[test]
fn several_event_kinds_and_resumable_streams() {
    let s = streaming_of("createResponse").unwrap();
    assert!(s.several, "a oneOf with a discriminator");
    assert_eq!(s.tag.as_deref(), Some("type"), "events are keyed by `type`");
    assert!(s.resumable, "x-sturdy-stream: {{resumable: true}}");
    assert!(
        !s.stream_flag,
        "a `stream` that is not a boolean is not the flag"
    );
}

#[test]
fn no_stream_without_an_event_stream_response() {
    assert_eq!(streaming_of("plain"), None);
}
