//! Rules of private tickets: subjects, priorities, who may change what, and how a message moves
//! the status.

use crate::sla::Status;

/// Why a ticket input is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    /// Subject empty or too long.
    #[error("The subject needs 1 to 200 characters.")]
    Subject,
    /// Unknown priority.
    #[error("Priority is low, normal, high or urgent.")]
    Priority,
    /// Unknown status.
    #[error("Status is new, open, pending, on_hold, solved or closed.")]
    Status,
    /// Closed tickets take no more messages.
    #[error("This ticket is closed. Please open a new ticket; you can mention this one in it.")]
    Closed,
    /// Customers can only mark their ticket solved.
    #[error("You can mark your ticket solved; agents change the rest.")]
    CustomerChange,
}

impl TicketError {
    /// The field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            TicketError::Subject => "subject",
            TicketError::Priority => "priority",
            TicketError::Status | TicketError::CustomerChange => "status",
            TicketError::Closed => "body",
        }
    }

    /// A machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            TicketError::Subject => "invalid_subject",
            TicketError::Priority => "invalid_priority",
            TicketError::Status => "invalid_status",
            TicketError::Closed => "ticket_closed",
            TicketError::CustomerChange => "not_allowed",
        }
    }
}

/// A trimmed subject of 1 to 200 characters, without bidirectional controls.
pub fn subject(raw: &str) -> Result<String, TicketError> {
    let cleaned = crate::text::strip_bidi_controls(raw);
    let s = cleaned.trim();
    if s.is_empty() || s.chars().count() > 200 || s.contains('\0') {
        return Err(TicketError::Subject);
    }
    Ok(s.to_string())
}

/// A known priority.
pub fn priority(raw: &str) -> Result<&'static str, TicketError> {
    crate::plans::PRIORITIES
        .into_iter()
        .find(|p| *p == raw)
        .ok_or(TicketError::Priority)
}

/// Who writes a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// The customer.
    Customer,
    /// An agent, publicly.
    Agent,
    /// An agent, as an internal note.
    Note,
}

/// The status a message leaves the ticket in, if it changes: an agent's reply opens a new
/// ticket; the customer's reply reopens a solved or pending one; nothing is added to a closed
/// ticket.
pub fn status_after_message(
    current: Status,
    writer: Writer,
) -> Result<Option<Status>, TicketError> {
    if current == Status::Closed {
        return Err(TicketError::Closed);
    }
    Ok(match (writer, current) {
        (Writer::Agent, Status::New) => Some(Status::Open),
        (Writer::Customer, Status::Solved | Status::Pending) => Some(Status::Open),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_move_the_status() {
        assert_eq!(
            status_after_message(Status::New, Writer::Agent),
            Ok(Some(Status::Open))
        );
        assert_eq!(
            status_after_message(Status::New, Writer::Customer),
            Ok(None)
        );
        assert_eq!(
            status_after_message(Status::Solved, Writer::Customer),
            Ok(Some(Status::Open))
        );
        assert_eq!(
            status_after_message(Status::Pending, Writer::Customer),
            Ok(Some(Status::Open))
        );
        assert_eq!(
            status_after_message(Status::Pending, Writer::Note),
            Ok(None)
        );
        assert_eq!(
            status_after_message(Status::Closed, Writer::Agent),
            Err(TicketError::Closed)
        );
    }

    #[test]
    fn subjects_and_priorities() {
        assert_eq!(subject("  Printer on fire "), Ok("Printer on fire".into()));
        assert_eq!(subject(" "), Err(TicketError::Subject));
        assert_eq!(subject(&"x".repeat(201)), Err(TicketError::Subject));
        assert_eq!(
            subject("Refund for \u{202E}fdp.exe"),
            Ok("Refund for fdp.exe".into())
        );
        assert_eq!(subject("\u{202E} \u{2066}"), Err(TicketError::Subject));
        assert_eq!(priority("urgent"), Ok("urgent"));
        assert_eq!(priority("URGENT"), Err(TicketError::Priority));
    }
}
