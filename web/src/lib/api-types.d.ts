// Generated from the API's OpenAPI document by `npm run api:types` (app/api-types.ts). Do not edit:
// test/unit/api-types.test.ts fails when this file differs from what the API's routes declare.
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Each instance database and Temporal: up, slow or down */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok" | "degraded";
                            temporal: {
                                /**
                                 * @description slow: over 500 ms; down: no answer within 3 s
                                 * @enum {string}
                                 */
                                status: "up" | "slow" | "down";
                                latencyMs: number;
                            };
                            instances: {
                                [key: string]: {
                                    /**
                                     * @description slow: over 500 ms; down: no answer within 3 s
                                     * @enum {string}
                                     */
                                    status: "up" | "slow" | "down";
                                    latencyMs: number;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/catalog": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The remote catalog (items published to this instance) and, for agents and admins, this instance's own items */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            remote: {
                                id: string;
                                name: string;
                                description: string;
                                kind: string;
                                form: {
                                    name: string;
                                    label?: string;
                                    /** @enum {string} */
                                    type: "string" | "text" | "number" | "integer" | "boolean" | "choice" | "date";
                                    required?: boolean;
                                    choices?: string[];
                                }[];
                                sla: {
                                    /** @description received -> assigned, e.g. "4h" or "PT4H" */
                                    responseTime?: string;
                                    /** @description received -> solution proposed (paused while awaiting info) */
                                    resolutionTime?: string;
                                    /** @description resolved -> consumer decision */
                                    acceptanceWindow?: string;
                                };
                                /** @description draft, published or retired (own items); published (remote items) */
                                state: string;
                                provider: {
                                    instance: string;
                                    name: string;
                                };
                                publishedTo?: string[];
                            }[];
                            own: {
                                id: string;
                                name: string;
                                description: string;
                                kind: string;
                                form: {
                                    name: string;
                                    label?: string;
                                    /** @enum {string} */
                                    type: "string" | "text" | "number" | "integer" | "boolean" | "choice" | "date";
                                    required?: boolean;
                                    choices?: string[];
                                }[];
                                sla: {
                                    /** @description received -> assigned, e.g. "4h" or "PT4H" */
                                    responseTime?: string;
                                    /** @description received -> solution proposed (paused while awaiting info) */
                                    resolutionTime?: string;
                                    /** @description resolved -> consumer decision */
                                    acceptanceWindow?: string;
                                };
                                /** @description draft, published or retired (own items); published (remote items) */
                                state: string;
                                provider: {
                                    instance: string;
                                    name: string;
                                };
                                publishedTo?: string[];
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/catalog/items": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Create a catalog item (draft) in this instance, as a provider (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @default  */
                        description: string;
                        /** @enum {string} */
                        kind: "help_request" | "service_affecting_issue" | "change_request";
                        /** @default [] */
                        form: {
                            name: string;
                            label?: string;
                            /** @enum {string} */
                            type: "string" | "text" | "number" | "integer" | "boolean" | "choice" | "date";
                            required?: boolean;
                            choices?: string[];
                        }[];
                        sla?: {
                            /** @description received -> assigned, e.g. "4h" or "PT4H" */
                            responseTime?: string;
                            /** @description received -> solution proposed (paused while awaiting info) */
                            resolutionTime?: string;
                            /** @description resolved -> consumer decision */
                            acceptanceWindow?: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            description: string;
                            kind: string;
                            form: {
                                name: string;
                                label?: string;
                                /** @enum {string} */
                                type: "string" | "text" | "number" | "integer" | "boolean" | "choice" | "date";
                                required?: boolean;
                                choices?: string[];
                            }[];
                            sla: {
                                /** @description received -> assigned, e.g. "4h" or "PT4H" */
                                responseTime?: string;
                                /** @description received -> solution proposed (paused while awaiting info) */
                                resolutionTime?: string;
                                /** @description resolved -> consumer decision */
                                acceptanceWindow?: string;
                            };
                            /** @description draft, published or retired (own items); published (remote items) */
                            state: string;
                            provider: {
                                instance: string;
                                name: string;
                            };
                            publishedTo?: string[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/catalog/items/{id}/publish": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Publish an item into consumers' remote catalogs (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        consumers: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            description: string;
                            kind: string;
                            form: {
                                name: string;
                                label?: string;
                                /** @enum {string} */
                                type: "string" | "text" | "number" | "integer" | "boolean" | "choice" | "date";
                                required?: boolean;
                                choices?: string[];
                            }[];
                            sla: {
                                /** @description received -> assigned, e.g. "4h" or "PT4H" */
                                responseTime?: string;
                                /** @description received -> solution proposed (paused while awaiting info) */
                                resolutionTime?: string;
                                /** @description resolved -> consumer decision */
                                acceptanceWindow?: string;
                            };
                            /** @description draft, published or retired (own items); published (remote items) */
                            state: string;
                            provider: {
                                instance: string;
                                name: string;
                            };
                            publishedTo?: string[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/catalog/items/{id}/retire": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Retire an item: hidden from every consumer it was published to (admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            description: string;
                            kind: string;
                            form: {
                                name: string;
                                label?: string;
                                /** @enum {string} */
                                type: "string" | "text" | "number" | "integer" | "boolean" | "choice" | "date";
                                required?: boolean;
                                choices?: string[];
                            }[];
                            sla: {
                                /** @description received -> assigned, e.g. "4h" or "PT4H" */
                                responseTime?: string;
                                /** @description received -> solution proposed (paused while awaiting info) */
                                resolutionTime?: string;
                                /** @description resolved -> consumer decision */
                                acceptanceWindow?: string;
                            };
                            /** @description draft, published or retired (own items); published (remote items) */
                            state: string;
                            provider: {
                                instance: string;
                                name: string;
                            };
                            publishedTo?: string[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Order a remote catalog item: creates this instance's Provider Task and the provider's parent task
         * @description Send an Idempotency-Key header to make retries safe: the same key returns the same request.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        catalogItemId: string;
                        shortDescription: string;
                        /** @default  */
                        description: string;
                        /** @default {} */
                        variables: {
                            [key: string]: string | number | boolean | (never | null);
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This instance's exchanged tasks: Provider Tasks it ordered and parent tasks it fulfils, newest first or as a work queue */
        get: {
            parameters: {
                query?: {
                    state?: "new" | "received" | "work_in_progress" | "awaiting_info" | "resolved" | "closed" | "cancelled";
                    /** @description me: assigned to the caller; unassigned: assigned to nobody */
                    assignee?: "me" | "unassigned";
                    /** @description true: an SLA clock breached; false: none did */
                    breached?: "true" | "false";
                    /** @description consumer: the Provider Tasks this instance ordered; provider: the parent tasks it fulfils */
                    side?: "consumer" | "provider";
                    /** @description true: open tasks only (not closed or cancelled), as a work queue shows them; false: ended ones */
                    open?: "true" | "false";
                    /** @description newest (default): newest first. queue: unassigned first, then priority (critical first), then the nearest SLA deadline, then number */
                    order?: "newest" | "queue";
                    /** @description 1 to 100 (default 20) */
                    limit?: string;
                    cursor?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                number: string;
                                side: string;
                                state: string;
                                shortDescription: string;
                                catalogItemName: string;
                                /** @description The other side: the provider of a Provider Task, the consumer of a parent task */
                                counterpartInstance: string;
                                /** @description The other side's number (null until the provider has created its task) */
                                counterpartNumber: string | null;
                                /** @description The assignee's name */
                                assignedTo: string | null;
                                /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                                priority: number;
                                /**
                                 * Format: date-time
                                 * @description When the earliest running SLA clock reaches its target (in the past once breached); null while no clock runs (none, paused or met)
                                 */
                                slaDeadline: string | null;
                                /** @description Whether an SLA clock of this task has breached */
                                slaBreached: boolean;
                                /** Format: date-time */
                                createdAt: string;
                                /** Format: date-time */
                                updatedAt: string;
                            }[];
                            /** @description Pass as ?cursor= for the next page; null on the last page */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task with its comments (work notes only on the provider side), audit trail, SLAs and sync status */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/assign": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * "Assign to me": the calling agent takes the task (provider)
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never>;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Post a public comment, replicated to the other side
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        body: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/work-notes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Post an internal work note: never leaves the provider's instance
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        body: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/request-info": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ask the consumer for information (provider): awaiting_info on both sides
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        question: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/propose-solution": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Propose a solution with a resolution code (provider): resolved on both sides
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description One of solved, workaround, not_reproducible, duplicate, rejected_by_provider */
                        resolutionCode: string;
                        resolutionNotes: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept the proposed solution (consumer): closed on both sides
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": Record<string, never>;
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reject the proposed solution with a reason (consumer): back to work in progress
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel the request (consumer): cancelled on both sides
         * @description Accepts an Idempotency-Key header: a retry with the same key and body returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        reason?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            number: string;
                            /** @enum {string} */
                            side: "consumer" | "provider";
                            /** @enum {string} */
                            type: "provider_task" | "case" | "incident" | "change";
                            state: string;
                            catalogItem: {
                                id: string;
                                name: string;
                            };
                            shortDescription: string;
                            description: string;
                            variables: {
                                [key: string]: unknown;
                            };
                            requestedBy: string;
                            assignedTo: string | null;
                            resolution: {
                                code: string;
                                notes: string;
                            } | null;
                            counterpart: {
                                instance: string;
                                number: string | null;
                            };
                            /** @description What the caller may do now */
                            allowedActions: string[];
                            sync?: {
                                /**
                                 * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                 * @enum {string}
                                 */
                                status: "in_sync" | "pending" | "failing" | "unknown";
                                /** @description changes not yet written, per side */
                                pending: {
                                    consumer: number;
                                    provider: number;
                                } | null;
                                /** Format: date-time */
                                oldestPendingAt: string | null;
                                lastError: string | null;
                            };
                            /** @description The request's workflow, for admins (GET /tasks/:number only) */
                            workflow?: {
                                id: string;
                                /** @description Its page in the Temporal UI (TEMPORAL_UI_URL, or the embedded dev server's UI); null when there is none */
                                url: string | null;
                            };
                            /** @description 1 critical .. 4 low; each SLA escalation raises it one step */
                            priority: number;
                            escalationLevel: number;
                            slas: {
                                /** @description response, resolution or acceptance */
                                name: string;
                                /** @description ISO-8601 duration, e.g. PT4H */
                                target: string;
                                /** @description ISO-8601 duration of running time so far */
                                elapsed: string;
                                /** @description null once met or breached */
                                remaining: string | null;
                                /** Format: date-time */
                                breachedAt: string | null;
                                /** @description true while awaiting info (resolution) */
                                paused: boolean;
                                met: boolean;
                            }[];
                            comments: {
                                /** @description Stable on this side: the task number and `seq`, e.g. PTSK0001001-3. The same comment has another id on the other side. */
                                id: string;
                                /** @description Position among the comments this side shows: 1, 2, 3… in order, without gaps. The consumer's count never includes the provider's work notes. */
                                seq: number;
                                /** @enum {string} */
                                visibility: "public" | "internal";
                                /** @description "Name (Organization)" */
                                author: string;
                                /** @description Where it was written */
                                instance: string;
                                body: string;
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            /** @description The files in the conversation, each placed after a comment (afterComment) */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                            auditTrail: {
                                action: string;
                                actor: string;
                                instance: string;
                                fromState: string | null;
                                toState: string | null;
                                details: {
                                    [key: string]: unknown;
                                };
                                /** Format: date-time */
                                at: string;
                            }[];
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/attachments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A task's files, in conversation order, with their replication to the other side (internal ones only on the provider side) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Attach files (multipart/form-data), replicated to the other side unless internal
         * @description multipart/form-data: an optional `visibility` field first, then one or more files (field `file`, each part with a file name and Content-Type). Limits: 25 MiB per file, 100 MiB for all of a request's files on this side, 20 files per upload; content types: any. Over a limit: 413; a refused type: 415; an empty file or a bad file name: 422. A refused or broken-off upload leaves nothing behind. Accepts an Idempotency-Key header: a retry with the same key and files stores them once and returns the first answer.
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "multipart/form-data": {
                        /**
                         * @description public (default), or internal (provider agents and admins: never leaves the provider). Send it before the files.
                         * @enum {string}
                         */
                        visibility?: "public" | "internal";
                        /** @description One or more files (at least one), each a part with a file name (repeat the field); its Content-Type is stored and served with it */
                        file?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description The files of this upload, as this side shows them */
                            attachments: {
                                /** @description The same on both sides; download it at /tasks/{number}/attachments/{id} */
                                id: string;
                                fileName: string;
                                /** @description Bytes */
                                size: number;
                                /** @description As uploaded (the part's Content-Type), and as downloaded */
                                contentType: string;
                                /** @description Hex SHA-256 of the bytes: the download's ETag, and what the other side's copy was checked against */
                                sha256: string;
                                /**
                                 * @description internal: the provider's own, never sent to the consumer
                                 * @enum {string}
                                 */
                                visibility: "public" | "internal";
                                /** @description Where it was uploaded */
                                originInstance: string;
                                /** @description "Name (Organization)" */
                                authorName: string;
                                /** @description Position among the files this side shows: 1, 2, 3… in conversation order, without gaps */
                                seq: number;
                                /** @description The `seq` of the comment it follows in the conversation (0: before the first comment). Files after the same comment are in `seq` order. */
                                afterComment: number;
                                /**
                                 * @description replicated: both sides have it; pending: uploaded here, not at the other side yet; internal: never leaves the provider's instance
                                 * @enum {string}
                                 */
                                replication: "replicated" | "pending" | "internal";
                                /** Format: date-time */
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/tasks/{number}/attachments/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download a file: its original name (Content-Disposition: attachment), its stored type, ETag = its SHA-256, byte ranges (Range) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description e.g. PTSK0001001 or CS0001001 */
                    number: string;
                    /** @description The attachment's id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The whole file */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "*/*": string;
                    };
                };
                /** @description The range asked for (Content-Range) */
                206: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "*/*": string;
                    };
                };
                /** @description Not modified: If-None-Match named its ETag */
                304: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                416: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ops/requests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Exchanged requests matching a Temporal visibility query (operator token)
         * @description e.g. ?query=SlaBreached = true AND ExchangeState = "work_in_progress"
         */
        get: {
            parameters: {
                query?: {
                    query?: string;
                    /** @description 1 to 500 (default 100) */
                    limit?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                [key: string]: unknown;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ops/requests/{workflowId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One request: Temporal's description, the workflow's live state, and pending activities with their last error */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    workflowId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ops/requests/{workflowId}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The workflow event history as JSON (usable as a replay fixture) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    workflowId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description temporal.api.history.v1.History in proto3 JSON */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ops/reconcile": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Drift detection: every request's copies in both instances' databases against each other and its workflow (operator token)
         * @description The report `npm run reconcile` prints: { checked, inSync, pending, drifted: [{ workflowId, consumerNumber, providerNumber, differences }] }. Reads every request; meant for occasional checks.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checked: number;
                            inSync: number;
                            /** @description requests whose only differences are writes their workflow still has queued */
                            pending: number;
                            drifted: {
                                workflowId: string;
                                consumerInstance: string;
                                consumerNumber: string;
                                providerInstance: string;
                                providerNumber: string | null;
                                differences: {
                                    /** @description e.g. state, assignee, comment:<id>, escalation:<id>, provider_task, workflow */
                                    field: string;
                                    consumer: unknown;
                                    provider: unknown;
                                    workflow?: unknown;
                                    message: string;
                                }[];
                            }[];
                            pendingRequests: {
                                workflowId: string;
                                consumerInstance: string;
                                consumerNumber: string;
                                providerInstance: string;
                                providerNumber: string | null;
                                differences: {
                                    /** @description e.g. state, assignee, comment:<id>, escalation:<id>, provider_task, workflow */
                                    field: string;
                                    consumer: unknown;
                                    provider: unknown;
                                    workflow?: unknown;
                                    message: string;
                                }[];
                            }[];
                            workflowUnavailable: number;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ops/overview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The exchange at a glance, whole and per instance pair: requests by state, write backlog per side, failing writes, SLA breaches, escalations, database health (operator token)
         * @description What the operations page (/app/operations) shows. The reconcile report stays on demand (GET /ops/reconcile).
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** Format: date-time */
                            generatedAt: string;
                            /** @description A request's workflow in the Temporal UI: {url}/namespaces/{namespace}/workflows/{workflowId}; url null: no Temporal UI known */
                            temporalUi: {
                                url: string | null;
                                namespace: string;
                            };
                            totals: {
                                total: number;
                                /** @description requests by the consumer's state (from the consumer's database) */
                                byState: {
                                    [key: string]: number;
                                };
                                /** @description open requests per escalation level (1 and up) */
                                escalations: {
                                    [key: string]: number;
                                };
                                /** @description running requests with an SLA clock breached (SlaBreached = true) */
                                breached: number;
                                backlog: {
                                    consumer: {
                                        /** @description writes queued for this side */
                                        pending: number;
                                        /**
                                         * Format: date-time
                                         * @description when the oldest of them was accepted
                                         */
                                        oldestPendingAt: string | null;
                                    };
                                    provider: {
                                        /** @description writes queued for this side */
                                        pending: number;
                                        /**
                                         * Format: date-time
                                         * @description when the oldest of them was accepted
                                         */
                                        oldestPendingAt: string | null;
                                    };
                                };
                                /** @description running requests with a write Temporal is retrying */
                                failing: number;
                            };
                            pairs: {
                                consumer: string;
                                provider: string;
                                counts: {
                                    total: number;
                                    /** @description requests by the consumer's state (from the consumer's database) */
                                    byState: {
                                        [key: string]: number;
                                    };
                                    /** @description open requests per escalation level (1 and up) */
                                    escalations: {
                                        [key: string]: number;
                                    };
                                    /** @description running requests with an SLA clock breached (SlaBreached = true) */
                                    breached: number;
                                    backlog: {
                                        consumer: {
                                            /** @description writes queued for this side */
                                            pending: number;
                                            /**
                                             * Format: date-time
                                             * @description when the oldest of them was accepted
                                             */
                                            oldestPendingAt: string | null;
                                        };
                                        provider: {
                                            /** @description writes queued for this side */
                                            pending: number;
                                            /**
                                             * Format: date-time
                                             * @description when the oldest of them was accepted
                                             */
                                            oldestPendingAt: string | null;
                                        };
                                    };
                                    /** @description running requests with a write Temporal is retrying */
                                    failing: number;
                                };
                                /** @description running requests that need a look: writes queued or failing, an SLA breached, or escalated */
                                requests: {
                                    workflowId: string;
                                    /** @description the consumer's Provider Task number */
                                    number: string;
                                    providerNumber: string | null;
                                    state: string;
                                    escalationLevel: number;
                                    slaBreached: boolean;
                                    sync: {
                                        /**
                                         * @description in_sync: both sides have every accepted change; pending: writes queued; failing: a write is being retried (see lastError)
                                         * @enum {string}
                                         */
                                        status: "in_sync" | "pending" | "failing" | "unknown";
                                        /** @description changes not yet written, per side */
                                        pending: {
                                            consumer: number;
                                            provider: number;
                                        } | null;
                                        oldestPendingAt: {
                                            /**
                                             * Format: date-time
                                             * @description when the oldest of them was accepted
                                             */
                                            consumer: string | null;
                                            /**
                                             * Format: date-time
                                             * @description when the oldest of them was accepted
                                             */
                                            provider: string | null;
                                        };
                                        lastError: string | null;
                                    };
                                }[];
                            }[];
                            databases: {
                                [key: string]: {
                                    /**
                                     * @description slow: over 500 ms; down: no answer within 3 s
                                     * @enum {string}
                                     */
                                    status: "up" | "slow" | "down";
                                    latencyMs: number;
                                };
                            };
                            /** @description instances whose database could not be counted (down): their pairs' states are missing */
                            countsUnavailable: string[];
                            running: {
                                read: number;
                                /** @description more running requests than one overview reads */
                                truncated: boolean;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user (by the session cookie, or a bearer token) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            email: string;
                            /** @enum {string} */
                            role: "requester" | "agent" | "admin";
                            /** @description The instance the user belongs to */
                            instance: string;
                            /** @description The instance's organization, as people see it ("Acme Corp") */
                            organization: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Sign in with email and password: sets the session cookie
         * @description A wrong email and a wrong password get the same 401. Failed sign-ins are limited per account and per client address (429 with Retry-After). Refused cross-site (Sec-Fetch-Site: cross-site, or an Origin other than this site).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        email: string;
                        password: string;
                        /** @description The instance to sign in to. Omitted: the instance that holds this email (and whose password matches) */
                        instance?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            email: string;
                            /** @enum {string} */
                            role: "requester" | "agent" | "admin";
                            /** @description The instance the user belongs to */
                            instance: string;
                            /** @description The instance's organization, as people see it ("Acme Corp") */
                            organization: string;
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        /** Sign out: ends the session on the server and clears the cookie */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's instance's users by name (admin), with whether each has a password */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: {
                                id: string;
                                name: string;
                                email: string;
                                /** @enum {string} */
                                role: "requester" | "agent" | "admin";
                                /** @description false: the user cannot sign in until an admin sets a password */
                                hasPassword: boolean;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** Add a user to the caller's instance (admin). Without a password, the user cannot sign in until an admin sets one */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @description Unique in its instance, whatever its case */
                        email: string;
                        /** @enum {string} */
                        role: "requester" | "agent" | "admin";
                        /** @description 10 to 200 characters */
                        password?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            email: string;
                            /** @enum {string} */
                            role: "requester" | "agent" | "admin";
                            /** @description The instance the user belongs to */
                            instance: string;
                            /** @description The instance's organization, as people see it ("Acme Corp") */
                            organization: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/users/{id}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Set a user's password (admin, own instance): ends that user's browser sessions */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description 10 to 200 characters */
                        password: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            email: string;
                            /** @enum {string} */
                            role: "requester" | "agent" | "admin";
                            /** @description The instance the user belongs to */
                            instance: string;
                            /** @description The instance's organization, as people see it ("Acme Corp") */
                            organization: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live updates: which of this instance's tasks changed (Server-Sent Events)
         * @description Server-Sent Events telling this instance's users which of its tasks changed, within a second, whichever API process or worker wrote the change. An event carries no content: re-read `GET /tasks/:number` (and the lists), which apply the caller's authorization. Events:
         *     - `task` `{task, kind, at}`: `kind` is one of `created`, `escalated`, `solution`, `assigned`, `state`, `updated`, `comment`, `work_note`, `attachment`.
         *     - `ready` `{position}`: sent once after any catch-up: from here on, live. Carries the `retry:` hint.
         *     - `reset` `{reason}`: the `Last-Event-ID` is older than the events kept (or unknown here): reload everything.
         *     - `superseded`: the same user opened more streams than allowed here; this, the oldest, ends. Do not reconnect it.
         *     Every event has an `id:`; reconnecting with `Last-Event-ID` (browsers do it themselves) first sends what was missed, each once. A comment line every 15 s keeps the stream open. 503 when the process holds as many streams as it may (LIVE_STREAMS_MAX).
         */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The id of the last event received: the stream resumes after it */
                    "last-event-id"?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A text/event-stream that stays open */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                /** @description Stable machine-readable code, e.g. invalid_transition */
                                code: string;
                                /** @description What went wrong, for a person */
                                message: string;
                                details?: {
                                    [key: string]: unknown;
                                };
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
