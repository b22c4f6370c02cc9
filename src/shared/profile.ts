// Profile fields, with the original system's names: what each role may see and edit is decided by the core.
import { z } from 'zod';
import { phoneSchema, roleSchema } from './schemas';

const text = (max: number, message = `At most ${max} characters.`) =>
  z
    .string()
    .max(max * 2, message)
    .transform((s) => s.normalize('NFKC').trim())
    .pipe(z.string().max(max, message));

/** A date of birth as YYYY-MM-DD: a real date, not in the future, not before 1900. Empty clears it. */
export const dateOfBirthSchema = z
  .string()
  .max(10, 'Use the form YYYY-MM-DD.')
  .refine((s) => s === '' || /^\d{4}-\d{2}-\d{2}$/.test(s), 'Use the form YYYY-MM-DD.')
  .refine((s) => {
    if (s === '') return true;
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'That date does not exist.')
  .refine(
    (s) => s === '' || (s >= '1900-01-01' && s <= new Date().toISOString().slice(0, 10)),
    'A date of birth cannot be in the future or before 1900.',
  );

export const BLOOD_TYPES = ['', 'A+', 'A-', 'B+', 'B-', 'AB+', 'AB-', 'O+', 'O-'] as const;

/** What a person may change in their own profile. */
export const ownProfileUpdateSchema = z.strictObject({
  phone: phoneSchema.optional(),
  dateOfBirth: dateOfBirthSchema.optional(),
  address: text(300).optional(),
  emergencyContactName: text(100).optional(),
  emergencyContactPhone: phoneSchema.optional(),
  /** Staff only. */
  department: text(100).optional(),
  specialization: text(100).optional(),
});

/** What clinical staff may change in a patient's record. */
export const medicalUpdateSchema = z.strictObject({
  patientId: z.number().int().positive(),
  bloodType: z.enum(BLOOD_TYPES).optional(),
  allergies: text(2000).optional(),
  medicalNotes: text(5000).optional(),
});

export const profileSchema = z.object({
  userId: z.number().int(),
  email: z.string(),
  firstName: z.string(),
  lastName: z.string(),
  role: roleSchema,
  /**
   * A restricted record seen by clinical staff without emergency access: only the name is shown, every other
   * field is null, and `limited` is true.
   */
  limited: z.boolean(),
  restricted: z.boolean(),
  phone: z.string().nullable(),
  dateOfBirth: z.string().nullable(),
  address: z.string().nullable(),
  emergencyContactName: z.string().nullable(),
  emergencyContactPhone: z.string().nullable(),
  staff: z
    .object({
      employeeId: z.string().nullable(),
      department: z.string().nullable(),
      specialization: z.string().nullable(),
    })
    .nullable(),
  /** Patients only. Null with `medicalRedacted` when the viewer may not see it (administrators). */
  medical: z
    .object({ bloodType: z.string().nullable(), allergies: z.string().nullable(), medicalNotes: z.string().nullable() })
    .nullable(),
  medicalRedacted: z.boolean(),
  /** Until when the viewer's emergency access to this record lasts (epoch ms), if they declared one. */
  emergencyAccessUntil: z.number().int().nullable(),
});
export type Profile = z.infer<typeof profileSchema>;
