//! Where the names at the ends of a chart's lines go: as near their own
//! line's end as they can be without two overlapping. Lines that end at
//! nearly the same time (v1, v2 and android often do) would otherwise
//! print their names on top of each other.

/// The vertical pixel position of each label, in the order of `wanted`
/// (each line's end): at least `gap` apart, kept within `top..=bottom`
/// where they fit, and in the same top-to-bottom order as the line ends,
/// so that no leader line crosses another.
pub fn place(wanted: &[i32], gap: i32, top: i32, bottom: i32) -> Vec<i32> {
    let mut order: Vec<usize> = (0..wanted.len()).collect();
    order.sort_by_key(|&i| (wanted[i], i));
    let mut y: Vec<i32> = order
        .iter()
        .map(|&i| wanted[i].clamp(top, bottom))
        .collect();
    // Downwards, each label at least a gap below the one above it ...
    for k in 1..y.len() {
        y[k] = y[k].max(y[k - 1] + gap);
    }
    // ... then, where that pushed the last ones past the bottom, back up.
    if let Some(last) = y.last_mut() {
        *last = (*last).min(bottom);
    }
    for k in (0..y.len().saturating_sub(1)).rev() {
        y[k] = y[k].min(y[k + 1] - gap);
    }
    let mut out = vec![0; wanted.len()];
    for (k, &i) in order.iter().enumerate() {
        out[i] = y[k];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_far_apart_stay_at_their_lines() {
        assert_eq!(place(&[200, 20, 100], 14, 0, 300), [200, 20, 100]);
    }

    #[test]
    fn close_labels_are_pushed_apart_in_order() {
        let y = place(&[100, 102, 101], 14, 0, 300);
        // Order kept: the first line's end is highest, then the third's.
        assert!(y[0] < y[2] && y[2] < y[1], "{y:?}");
        let mut sorted = y.clone();
        sorted.sort();
        assert!(sorted.windows(2).all(|w| w[1] - w[0] >= 14), "{y:?}");
    }

    #[test]
    fn labels_at_the_bottom_move_up_not_out() {
        let y = place(&[298, 299, 300], 14, 0, 300);
        assert_eq!(y, [272, 286, 300]);
        // Past the edges, a label comes back to them.
        assert_eq!(place(&[-20, 400], 14, 0, 300), [0, 300]);
    }
}
