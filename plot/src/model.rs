//! The pure timeline model: what happened to which clock, when.

/// How a state value is coloured: good (LOCKED, SYNCHRONIZED), degraded
/// (HOLDOVER, ACQUIRING-SYNC) or bad (FREERUN, FAILURE-NOFIX).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Degraded,
    Bad,
    /// Anything else (a quality level, an unknown value).
    Neutral,
}

impl Tone {
    /// The tone of a published state value.
    pub fn of(value: &str) -> Tone {
        match value {
            "LOCKED" | "SYNCHRONIZED" => Tone::Good,
            "HOLDOVER" | "ACQUIRING-SYNC" => Tone::Degraded,
            "FREERUN" | "FAILURE-NOFIX" => Tone::Bad,
            _ => Tone::Neutral,
        }
    }
}

/// Offset samples of one clock (ns), with the band an offset must stay
/// strictly inside to count as in range.
#[derive(Debug, Clone, PartialEq)]
pub struct OffsetSeries {
    /// `ptp4l ens2fx`, `phc2sys CLOCK_REALTIME`, `ts2phc ens1fx`, `T-BC ens4fx`.
    pub clock: String,
    /// `(min, max)` thresholds of the clock's profile.
    pub band: Option<(i64, i64)>,
    /// `(seconds, offset ns)` in time order.
    pub samples: Vec<(f64, i64)>,
}

/// One interval during which a resource had one value.
#[derive(Debug, Clone, PartialEq)]
pub struct StateInterval {
    pub start: f64,
    pub end: f64,
    pub value: String,
}

/// The published states of one resource (one row of state bands).
#[derive(Debug, Clone, PartialEq)]
pub struct StateTrack {
    /// `lock-state ens2fx`, `os-clock-sync-state`, `sync-state`, …
    pub name: String,
    pub intervals: Vec<StateInterval>,
}

/// A holdover timer: started when a proxy-timed clock entered HOLDOVER,
/// ended by its expiry (FREERUN at the deadline) or by leaving HOLDOVER.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerInterval {
    /// The lock-state track the timer belongs to (`lock-state ens2fx`).
    pub track: String,
    pub start: f64,
    /// When it would fire (moved by ts2phc `holdover` assertions).
    pub deadline: f64,
    /// When it stopped (the deadline when it fired).
    pub end: f64,
    /// Whether it fired.
    pub expired: bool,
}

/// A published event, drawn as a marker labelled with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct EventMark {
    pub t: f64,
    /// The track it belongs to.
    pub track: String,
    pub value: String,
}

/// A published clock class.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassStep {
    pub t: f64,
    /// The clock alias (`ens2fx`).
    pub clock: String,
    pub class: u8,
}

/// Everything drawn on one time axis.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Timeline {
    pub title: String,
    /// End of the run (s); the axis spans `0..end`.
    pub end: f64,
    pub offsets: Vec<OffsetSeries>,
    pub tracks: Vec<StateTrack>,
    pub timers: Vec<TimerInterval>,
    pub events: Vec<EventMark>,
    pub classes: Vec<ClassStep>,
}

impl Timeline {
    /// The track of a name, if any.
    pub fn track(&self, name: &str) -> Option<&StateTrack> {
        self.tracks.iter().find(|t| t.name == name)
    }
    /// The same timeline under another title.
    pub fn clone_with_title(&self, title: &str) -> Timeline {
        Timeline {
            title: title.to_string(),
            ..self.clone()
        }
    }
    /// The offset series of a clock, if any.
    pub fn series(&self, clock: &str) -> Option<&OffsetSeries> {
        self.offsets.iter().find(|s| s.clock == clock)
    }
}

#[cfg(test)]
mod tests {
    use super::Tone;

    #[test]
    fn tones_of_state_values() {
        assert_eq!(Tone::of("LOCKED"), Tone::Good);
        assert_eq!(Tone::of("SYNCHRONIZED"), Tone::Good);
        assert_eq!(Tone::of("HOLDOVER"), Tone::Degraded);
        assert_eq!(Tone::of("FAILURE-NOFIX"), Tone::Bad);
        assert_eq!(Tone::of("0x1"), Tone::Neutral);
    }
}
